-- People, accounts, settings, the audit log, plans and their tasks.

CREATE TABLE settings (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

CREATE SEQUENCE people_id_seq;
CREATE TABLE people (
    id          INTEGER PRIMARY KEY DEFAULT nextval('people_id_seq'),
    full_name   VARCHAR NOT NULL,
    position    VARCHAR NOT NULL DEFAULT '',   -- chức vụ
    group_name  VARCHAR NOT NULL DEFAULT '',   -- tổ chuyên môn
    email       VARCHAR NOT NULL DEFAULT '',
    start_date  DATE,                          -- ngày vào ngành
    is_demo     BOOLEAN NOT NULL DEFAULT false,
    created_at  TIMESTAMP NOT NULL DEFAULT current_localtimestamp()
);

CREATE TABLE users (
    username       VARCHAR PRIMARY KEY,
    person_id      INTEGER NOT NULL REFERENCES people (id),
    password_hash  VARCHAR,                    -- NULL: no usable password until an admin sets one
    active         BOOLEAN NOT NULL DEFAULT true,
    created_at     TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    updated_at     TIMESTAMP NOT NULL DEFAULT current_localtimestamp()
);

CREATE TABLE user_roles (
    username  VARCHAR NOT NULL REFERENCES users (username),
    role      VARCHAR NOT NULL CHECK (role IN ('admin', 'examiner', 'staff')),
    PRIMARY KEY (username, role)
);

CREATE SEQUENCE audit_id_seq;
CREATE TABLE audit_log (
    id         BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
    logged_at  TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    actor      VARCHAR NOT NULL,
    action     VARCHAR NOT NULL,
    entity     VARCHAR NOT NULL,
    entity_id  VARCHAR NOT NULL,
    before     VARCHAR,                        -- JSON
    after      VARCHAR                         -- JSON
);

CREATE SEQUENCE plans_id_seq;
CREATE TABLE plans (
    id            INTEGER PRIMARY KEY DEFAULT nextval('plans_id_seq'),
    code          VARCHAR NOT NULL UNIQUE,     -- số kế hoạch, e.g. 13/KH-MNAS
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

CREATE SEQUENCE tasks_id_seq;
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
