-- The wall's durable work log, in its own SQLite file beside the job queue's.

-- Facts about this log: `site`, a random name made once, which prefixes the ids of the
-- section jobs so that a new log beside an old queue never collides with old job ids.
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Every configuration accepted, numbered; the highest is the wall being built.
CREATE TABLE IF NOT EXISTS generations (
    generation INTEGER PRIMARY KEY AUTOINCREMENT,
    config     TEXT NOT NULL,
    created_us INTEGER NOT NULL
);

-- One row per foot built: the day's work of one section. The unique key is what keeps a
-- crew that dies mid-section (or two crews racing on one section after a lost lease) from
-- counting a foot twice: a foot is recorded with INSERT OR IGNORE.
CREATE TABLE IF NOT EXISTS work (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    generation INTEGER NOT NULL,
    profile    INTEGER NOT NULL,
    section    INTEGER NOT NULL,
    day        INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    ice        INTEGER NOT NULL,
    crew       TEXT NOT NULL,
    at_us      INTEGER NOT NULL,
    UNIQUE (generation, profile, section, day)
);

CREATE INDEX IF NOT EXISTS work_by_day ON work (generation, day, profile);
CREATE INDEX IF NOT EXISTS work_in_order ON work (generation, seq);
