"""The export as a kind of job: the items its principal may see, read in batches of rows, in the format asked for."""

from sqlalchemy import Select, select

from ..items.models import Item
from ..items.queries import count_matching, named, visible
from ..jobs.kinds import Document, RunningJob, job_kind
from .formats import MEDIA_TYPES, header, render
from .schemas import ExportFormat

BATCH_SIZE = 500


def matching(job: RunningJob) -> Select[Item]:
    """The items the job's principal may see whose name contains its ``q`` (every one of theirs without it)."""
    return named(job.parameters.get("q"), visible(job.principal, select(Item)))


def count(job: RunningJob) -> Select[int]:
    return count_matching(job.principal, job.parameters.get("q"))


def batch(job: RunningJob, after_id: int) -> Select[Item]:
    """The next batch of the export's items, in the order of their ids."""
    statement = matching(job)
    return statement.where(Item.id > after_id).order_by(Item.id).limit(BATCH_SIZE)


def run_export(job: RunningJob) -> Document:
    """Render the items a batch at a time, reporting the progress after each."""
    export = ExportFormat(job.parameters["format"])
    total = job.session.execute(count(job)).scalar_one()
    chunks, done, last_id = [header(export)], 0, 0
    while items := list(job.session.scalars(batch(job, last_id))):
        chunks.append(render(items, export))
        done, last_id = done + len(items), items[-1].id
        job.progress(done, total)
    return Document("".join(chunks), MEDIA_TYPES[export])


KIND = job_kind("items-export", run_export, {MEDIA_TYPES[export]: export.value for export in ExportFormat})
