"""The network instance's watch over the DSI feeds: every few minutes, from the import history
in the store (whoever ran the import: an upload, the drop-folder pickup, the command line), it
sets the feed metrics of each source and logs ``feed_missing`` for a source silent for a day."""

from prometheus_client import CollectorRegistry, Gauge

from patron_sync.domain.import_history import missing_feeds
from patron_sync.service_layer.unit_of_work import ImportHistory
from rebub_shared.clock import Clock
from rebub_shared.logging import get_logger
from rebub_shared.periodic import Periodic
from rebub_shared.tenancy import institution_codes

log = get_logger(__name__)


class FeedWatch:
    """A background loop (``start``/``stop``) and its gauges, per source."""

    def __init__(
        self,
        history: ImportHistory,
        clock: Clock,
        registry: CollectorRegistry,
        interval_s: float = 600.0,
    ) -> None:
        self._history, self._clock = history, clock
        self._loop = Periodic("feed-watch", self._step, interval_s)
        labels = ["source"]
        self.last_feed = Gauge(
            "rebub_import_last_feed_timestamp_seconds",
            "When the source's latest feed arrived (Unix time), applied or refused",
            labels,
            registry=registry,
        )
        self.missing = Gauge(
            "rebub_import_feed_missing",
            "1 when the source has sent no feed for a day (DOMAIN: one feed a day per DSI)",
            labels,
            registry=registry,
        )
        self.received = Gauge(
            "rebub_import_last_received_records",
            "Records in the source's latest applied feed",
            labels,
            registry=registry,
        )
        self.rejected = Gauge(
            "rebub_import_last_rejected_records",
            "Records rejected in the source's latest applied feed",
            labels,
            registry=registry,
        )
        self.refused = Gauge(
            "rebub_import_last_refused",
            "1 when the source's latest feed was refused whole",
            labels,
            registry=registry,
        )

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _step(self) -> None:
        await self.check()

    async def check(self) -> list[str]:
        """Set the gauges from the history; answer (and log) the missing sources."""
        sources = institution_codes()
        last = await self._history.last_received()
        missing = missing_feeds(last, sources, self._clock.now())
        for source in sources:
            self.missing.labels(source=source).set(1 if source in missing else 0)
            if source in last:
                self.last_feed.labels(source=source).set(last[source].timestamp())
            latest = await self._history.latest(source, limit=1)
            if latest:
                self.refused.labels(source=source).set(latest[0].outcome == "refused")
            if latest and latest[0].report is not None:
                self.received.labels(source=source).set(latest[0].report.received)
                self.rejected.labels(source=source).set(len(latest[0].report.rejected))
        for source in missing:
            log.error("feed_missing", source=source, last_feed=str(last.get(source, "never")))
        return missing
