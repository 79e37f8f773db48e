-- Refused frames are kept in detail for a while (Store::prune_rejects); older ones are folded
-- into per-day counts by reason and peer address, so an unauthenticated flood cannot grow the
-- store without bound.

-- The pruning job finds old rows by receive time.
CREATE INDEX ingest_rejects_by_time ON ingest_rejects (received_at);

CREATE TABLE ingest_reject_days (
    day BIGINT NOT NULL,          -- days since 1970-01-01 in Beijing time (UTC+8)
    reason TEXT NOT NULL,
    peer_addr TEXT NOT NULL,      -- the peer's IPv4 address or IPv6 /64, without the port
    rejects BIGINT NOT NULL,
    first_at BIGINT NOT NULL,     -- Unix milliseconds
    last_at BIGINT NOT NULL,
    PRIMARY KEY (day, reason, peer_addr)
);
