"""LinesByInvoiceLoader: each internal invoice's lines, in their order, for many invoices in one statement."""
from collections import defaultdict

from sqlalchemy import select

from domain.model import InternalInvoiceLine
from domain.platform.db import Reads
from gql.loaders.base import Loader
from gql.loaders.by_id import MAX_BATCH

Key = int  # an invoice id; the invoice itself was loaded through the policy, its lines go with it
Result = list[InternalInvoiceLine]


class LinesByInvoiceLoader(Loader[Key, Result]):
    def __init__(self, db: Reads) -> None:
        super().__init__(max_batch_size=MAX_BATCH)
        self.db = db

    async def batch_load_fn(self, keys: list[Key]) -> list[Result]:
        lines: dict[int, list[InternalInvoiceLine]] = defaultdict(list)
        async with self.db.read() as session:
            rows = await session.scalars(
                select(InternalInvoiceLine).where(InternalInvoiceLine.invoice_id.in_(set(keys)))
                .order_by(InternalInvoiceLine.invoice_id, InternalInvoiceLine.position)
            )
            for line in rows:
                lines[line.invoice_id].append(line)
        return [lines.get(key, []) for key in keys]
