-- SKKN scoring rounds: the round and its rubric, its council, entries and their authors,
-- conflicts, examiner assignments, scoring sheets, scores and the chair's grade overrides.
--
-- DuckDB notes: scores are keyed by (sheet, criterion) so two examiners never write the same
-- row; a parent row and its children cannot be deleted in one transaction, so sheets are only
-- ever deleted when they hold no score rows (an assignment with scores is never removed).
-- A row referenced by a foreign key cannot have a UNIQUE column updated either (DuckDB turns
-- that update into delete + insert), so round names and entry codes, which the council may
-- edit, are kept unique by lib/rounds.py instead of by a constraint.

CREATE SEQUENCE rounds_id_seq;
CREATE TABLE rounds (
    id                   INTEGER PRIMARY KEY DEFAULT nextval('rounds_id_seq'),
    name                 VARCHAR NOT NULL,              -- unique (checked in lib/rounds.py)
    level                VARCHAR NOT NULL DEFAULT 'cấp trường',
    school_year          VARCHAR NOT NULL DEFAULT '',   -- e.g. 2024-2025
    rubric_yaml          VARCHAR NOT NULL,              -- the rubric in the template YAML format
    rubric_frozen        BOOLEAN NOT NULL DEFAULT false, -- set when the first sheet is submitted
    examiners_per_entry  INTEGER NOT NULL DEFAULT 2 CHECK (examiners_per_entry BETWEEN 1 AND 5),
    max_gap              DECIMAL(10, 4) NOT NULL,       -- totals further apart: third examiner
    blind                BOOLEAN NOT NULL DEFAULT false, -- examiners never see authors
    deadline             DATE,
    state                VARCHAR NOT NULL DEFAULT 'draft'
                         CHECK (state IN ('draft', 'open', 'closed', 'final')),
    reopen_reason        VARCHAR,                       -- last reason a finalized round reopened
    finalized_by         VARCHAR,
    finalized_at         TIMESTAMP,
    is_demo              BOOLEAN NOT NULL DEFAULT false,
    created_by           VARCHAR NOT NULL DEFAULT '',
    created_at           TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    updated_at           TIMESTAMP NOT NULL DEFAULT current_localtimestamp()
);

-- The round's council: who may be assigned, their duty and the fields (lĩnh vực) they know.
CREATE TABLE round_examiners (
    round_id  INTEGER NOT NULL REFERENCES rounds (id),
    examiner  VARCHAR NOT NULL REFERENCES users (username),
    duty      VARCHAR NOT NULL DEFAULT 'Thành viên',   -- nhiệm vụ trong hội đồng
    fields    VARCHAR NOT NULL DEFAULT '',             -- lĩnh vực, separated by ';'
    PRIMARY KEY (round_id, examiner)
);

CREATE SEQUENCE entries_id_seq;
CREATE TABLE entries (
    id                INTEGER PRIMARY KEY DEFAULT nextval('entries_id_seq'),
    round_id          INTEGER NOT NULL REFERENCES rounds (id),
    code              VARCHAR NOT NULL,                 -- SKKN-001 or own; unique per round
    title             VARCHAR NOT NULL,
    field             VARCHAR NOT NULL DEFAULT '',      -- lĩnh vực
    group_name        VARCHAR NOT NULL DEFAULT '',      -- tổ
    withdrawn         BOOLEAN NOT NULL DEFAULT false,   -- kept, marked, no longer scored
    withdrawn_reason  VARCHAR NOT NULL DEFAULT '',
    document          BLOB,                             -- optional PDF or DOCX
    document_name     VARCHAR,
    document_mime     VARCHAR,
    is_demo           BOOLEAN NOT NULL DEFAULT false,
    created_by        VARCHAR NOT NULL DEFAULT '',
    created_at        TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    updated_at        TIMESTAMP NOT NULL DEFAULT current_localtimestamp()
);

CREATE TABLE entry_authors (
    entry_id   INTEGER NOT NULL REFERENCES entries (id),
    position   INTEGER NOT NULL,                        -- 1 = first author
    person_id  INTEGER REFERENCES people (id),          -- NULL: an author outside the people list
    name       VARCHAR NOT NULL,                        -- as written on the report
    share      DECIMAL(5, 2) NOT NULL CHECK (share > 0 AND share <= 100),  -- % (sum 100)
    PRIMARY KEY (entry_id, position)
);

CREATE SEQUENCE conflicts_id_seq;
CREATE TABLE conflicts (
    id          INTEGER PRIMARY KEY DEFAULT nextval('conflicts_id_seq'),
    round_id    INTEGER NOT NULL REFERENCES rounds (id),
    examiner    VARCHAR NOT NULL REFERENCES users (username),
    entry_id    INTEGER NOT NULL REFERENCES entries (id),
    kind        VARCHAR NOT NULL CHECK (kind IN ('same_group', 'relative', 'other')),
    note        VARCHAR NOT NULL DEFAULT '',
    created_by  VARCHAR NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    UNIQUE (examiner, entry_id)
);

CREATE SEQUENCE assignments_id_seq;
CREATE TABLE assignments (
    id           INTEGER PRIMARY KEY DEFAULT nextval('assignments_id_seq'),
    entry_id     INTEGER NOT NULL REFERENCES entries (id),
    examiner     VARCHAR NOT NULL REFERENCES users (username),
    ord          INTEGER NOT NULL CHECK (ord BETWEEN 1 AND 9),  -- 1 = GK1, 2 = GK2, 3 = GK3
    assigned_by  VARCHAR NOT NULL DEFAULT '',
    assigned_at  TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    UNIQUE (entry_id, examiner),
    UNIQUE (entry_id, ord)
);

CREATE SEQUENCE sheets_id_seq;
CREATE TABLE sheets (
    id               INTEGER PRIMARY KEY DEFAULT nextval('sheets_id_seq'),
    entry_id         INTEGER NOT NULL REFERENCES entries (id),
    examiner         VARCHAR NOT NULL REFERENCES users (username),
    status           VARCHAR NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
    comment          VARCHAR NOT NULL DEFAULT '',       -- overall comment (nhận xét chung)
    submitted_at     TIMESTAMP,
    reopened_reason  VARCHAR,                           -- set when the chair reopens it
    reopened_by      VARCHAR,
    reopened_at      TIMESTAMP,
    version          INTEGER NOT NULL DEFAULT 1,        -- bumped on every save
    created_at       TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    updated_at       TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    UNIQUE (entry_id, examiner)
);

CREATE TABLE scores (
    sheet_id    INTEGER NOT NULL REFERENCES sheets (id),
    criterion   VARCHAR NOT NULL,                       -- the rubric's criterion code
    value       DECIMAL(10, 4),                         -- NULL: comment only, no points yet
    comment     VARCHAR NOT NULL DEFAULT '',
    updated_at  TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    PRIMARY KEY (sheet_id, criterion)
);

CREATE SEQUENCE grade_overrides_id_seq;
CREATE TABLE grade_overrides (
    id          INTEGER PRIMARY KEY DEFAULT nextval('grade_overrides_id_seq'),
    entry_id    INTEGER NOT NULL REFERENCES entries (id),
    grade       VARCHAR,                                -- NULL: a previous override withdrawn
    reason      VARCHAR NOT NULL,
    created_by  VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL DEFAULT current_localtimestamp()
);
