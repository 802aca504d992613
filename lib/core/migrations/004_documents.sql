-- Documents: the per-year numbering register, council meeting records (time, place, chủ trì,
-- thư ký, attendance, decisions with their votes) and recognitions per person.
--
-- Children are keyed by the meeting's key, not by a foreign key to meetings: DuckDB refuses to
-- update a row that other rows reference, and a meeting record is edited until it is signed.

CREATE TABLE document_numbers (
    subject     VARCHAR PRIMARY KEY,                   -- what is numbered, e.g. round:3:bien-ban
    year        INTEGER NOT NULL,
    kind        VARCHAR NOT NULL,                      -- ký hiệu: BB, QĐ, TTr, GCN
    number      INTEGER NOT NULL CHECK (number > 0),
    created_by  VARCHAR NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    UNIQUE (year, kind, number)
);

CREATE TABLE meetings (
    key          VARCHAR PRIMARY KEY,                  -- skkn-round:<id> (later: emulation votes)
    round_id     INTEGER REFERENCES rounds (id),
    held_on      DATE NOT NULL,
    starts_at    VARCHAR NOT NULL,                     -- HH:MM as the secretary wrote it
    ends_at      VARCHAR NOT NULL,
    place        VARCHAR NOT NULL,
    chaired_by   VARCHAR NOT NULL,                     -- chủ trì (full name)
    secretary    VARCHAR NOT NULL,                     -- thư ký (full name)
    content      VARCHAR NOT NULL DEFAULT '',          -- diễn biến / ý kiến, free text
    created_by   VARCHAR NOT NULL DEFAULT '',
    updated_at   TIMESTAMP NOT NULL DEFAULT current_localtimestamp()
);

CREATE TABLE meeting_attendance (
    meeting   VARCHAR NOT NULL,
    position  INTEGER NOT NULL,
    name      VARCHAR NOT NULL,
    duty      VARCHAR NOT NULL,
    username  VARCHAR,
    present   BOOLEAN NOT NULL,
    reason    VARCHAR NOT NULL DEFAULT '',            -- why absent
    PRIMARY KEY (meeting, position)
);

CREATE TABLE meeting_decisions (
    meeting    VARCHAR NOT NULL,
    position   INTEGER NOT NULL,
    entry_id   INTEGER,                                -- the entry decided, if one
    content    VARCHAR NOT NULL,
    agree      INTEGER NOT NULL CHECK (agree >= 0),
    disagree   INTEGER NOT NULL CHECK (disagree >= 0),
    total      INTEGER NOT NULL CHECK (total > 0 AND agree + disagree <= total),
    PRIMARY KEY (meeting, position)
);

CREATE TABLE recognitions (
    round_id    INTEGER NOT NULL REFERENCES rounds (id),
    entry_id    INTEGER NOT NULL REFERENCES entries (id),
    position    INTEGER NOT NULL,                      -- the author's position on the entry
    person_id   INTEGER REFERENCES people (id),
    name        VARCHAR NOT NULL,
    share       DECIMAL(5, 2) NOT NULL,
    grade       VARCHAR NOT NULL,
    level       VARCHAR NOT NULL,
    school_year VARCHAR NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    PRIMARY KEY (entry_id, position)
);
