-- Server-side login sessions, failed-login counters, the signing key out of the database, and
-- plans whose number (code) can be edited while they have tasks.

-- A login is a row here: the browser's cookie holds a random id, only its SHA-256 is stored,
-- so neither the database nor a backup can be turned back into a usable cookie. Ending a row
-- (logout, password change, disable, "đăng xuất mọi nơi") ends that login everywhere.
-- No foreign key to users: DuckDB would refuse some updates of a referenced account row.
CREATE TABLE sessions (
    id_hash     VARCHAR PRIMARY KEY,            -- sha256 hex of the cookie's session id
    username    VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    last_seen   TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    expires_at  TIMESTAMP NOT NULL,             -- absolute end, whatever the activity
    client      VARCHAR NOT NULL DEFAULT ''     -- address seen at login, for `session list`
);

-- Failed logins, per typed account name and per client address, for slowing guessers down.
-- Rows older than the counting window are removed as new ones arrive.
CREATE TABLE login_failures (
    kind       VARCHAR NOT NULL CHECK (kind IN ('account', 'client')),
    key        VARCHAR NOT NULL,
    failed_at  TIMESTAMP NOT NULL DEFAULT current_localtimestamp()
);

-- The cookie signing key used to be generated into settings, so every backup carried it.
-- It now lives outside the database (environment, secrets, or a key file next to the db file).
DELETE FROM settings WHERE key = 'cookie_key';

-- plans.code was UNIQUE: DuckDB turns an update of a UNIQUE column into delete + insert, which
-- a plan with tasks refuses ("Violates foreign key constraint"), so "Sửa kế hoạch" crashed.
-- The number stays unique, checked by lib/plans/plans.py, like round names and entry codes.
-- DuckDB cannot drop a constraint: rebuild plans (and tasks, which reference it) unchanged
-- otherwise, keeping every row, id and the sequences.
CREATE TABLE plans_rebuild AS SELECT * FROM plans;
CREATE TABLE tasks_rebuild AS SELECT * FROM tasks;
DROP TABLE tasks;
DROP TABLE plans;

CREATE TABLE plans (
    id            INTEGER PRIMARY KEY DEFAULT nextval('plans_id_seq'),
    code          VARCHAR NOT NULL,            -- số kế hoạch, e.g. 13/KH-MNAS; unique (lib)
    title         VARCHAR NOT NULL,
    unit          VARCHAR NOT NULL DEFAULT '', -- đơn vị ban hành
    parent_unit   VARCHAR NOT NULL DEFAULT '', -- cơ quan chủ quản
    place         VARCHAR NOT NULL DEFAULT '',
    issued_on     DATE,
    signer        VARCHAR NOT NULL DEFAULT '',
    signer_title  VARCHAR NOT NULL DEFAULT '',
    year          INTEGER,                     -- calendar year the plan covers
    school_year   VARCHAR NOT NULL DEFAULT '', -- e.g. 2023-2024
    body          VARCHAR NOT NULL DEFAULT '',
    is_demo       BOOLEAN NOT NULL DEFAULT false,
    created_at    TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    updated_at    TIMESTAMP NOT NULL DEFAULT current_localtimestamp()
);

CREATE TABLE tasks (
    id            INTEGER PRIMARY KEY DEFAULT nextval('tasks_id_seq'),
    plan_id       INTEGER NOT NULL REFERENCES plans (id),
    position      INTEGER NOT NULL,
    period_label  VARCHAR NOT NULL DEFAULT '', -- thời gian, as written in the plan
    start_date    DATE,
    due_date      DATE,
    content       VARCHAR NOT NULL,            -- nội dung
    unit          VARCHAR NOT NULL DEFAULT '', -- bộ phận thực hiện
    leader        VARCHAR NOT NULL DEFAULT '', -- lãnh đạo phụ trách
    note          VARCHAR NOT NULL DEFAULT '', -- lưu ý
    status        VARCHAR NOT NULL DEFAULT 'todo'
                  CHECK (status IN ('todo', 'doing', 'done', 'cancelled')),
    done_on       DATE,
    evidence      VARCHAR NOT NULL DEFAULT '', -- minh chứng: note or link
    version       INTEGER NOT NULL DEFAULT 1,  -- optimistic lock for concurrent edits
    updated_at    TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    updated_by    VARCHAR NOT NULL DEFAULT ''
);

INSERT INTO plans SELECT * FROM plans_rebuild;
INSERT INTO tasks SELECT * FROM tasks_rebuild;
DROP TABLE tasks_rebuild;
DROP TABLE plans_rebuild;
