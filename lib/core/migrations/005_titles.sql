-- Emulation titles (thi đua): the year's quy chế and registration window, each person's
-- registration and each tổ's, the staff evaluations, medals already received, and the
-- council's choice of CSTĐCS when more are eligible than the quota allows.

CREATE TABLE title_years (
    school_year        VARCHAR PRIMARY KEY,             -- e.g. 2023-2024
    rules_yaml         VARCHAR NOT NULL,                -- the quy chế, validated (lib/titles/rules)
    rules_locked       BOOLEAN NOT NULL DEFAULT false,  -- set once a vote is recorded
    registration_open  BOOLEAN NOT NULL DEFAULT true,
    updated_by         VARCHAR NOT NULL DEFAULT '',
    updated_at         TIMESTAMP NOT NULL DEFAULT current_localtimestamp()
);

CREATE TABLE title_registrations (
    school_year  VARCHAR NOT NULL,
    person_id    INTEGER NOT NULL REFERENCES people (id),
    title        VARCHAR NOT NULL CHECK (title IN ('LDTT', 'CSTDCS')),
    skkn_title   VARCHAR NOT NULL DEFAULT '',           -- the SKKN the person will write
    skkn_field   VARCHAR NOT NULL DEFAULT '',           -- its lĩnh vực
    entry_id     INTEGER,                               -- the SKKN entry made from it, if any
    is_demo      BOOLEAN NOT NULL DEFAULT false,
    updated_by   VARCHAR NOT NULL DEFAULT '',
    updated_at   TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    PRIMARY KEY (school_year, person_id)
);

CREATE TABLE group_registrations (
    school_year  VARCHAR NOT NULL,
    group_name   VARCHAR NOT NULL,                      -- tổ, as in people.group_name
    title        VARCHAR NOT NULL CHECK (title IN ('TTLDTT', 'TTLDXS')),
    is_demo      BOOLEAN NOT NULL DEFAULT false,
    updated_by   VARCHAR NOT NULL DEFAULT '',
    updated_at   TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    PRIMARY KEY (school_year, group_name)
);

CREATE TABLE evaluations (
    school_year       VARCHAR NOT NULL,
    person_id         INTEGER NOT NULL REFERENCES people (id),
    rating            VARCHAR NOT NULL CHECK (rating IN ('HTXS', 'HTT', 'HT', 'KHT')),
    months_worked     DECIMAL(4, 1) NOT NULL,           -- tháng công tác trong năm học
    counted_months    DECIMAL(4, 1) NOT NULL DEFAULT 0, -- nghỉ được tính là công tác (thai sản…)
    days_off          INTEGER NOT NULL DEFAULT 0,       -- ngày làm việc nghỉ (không kể trên)
    discipline        VARCHAR NOT NULL DEFAULT '',      -- hình thức kỷ luật, '' = không
    discipline_from   DATE,
    discipline_until  DATE,                             -- NULL with a measure: still in effect
    is_demo           BOOLEAN NOT NULL DEFAULT false,
    updated_by        VARCHAR NOT NULL DEFAULT '',
    updated_at        TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    PRIMARY KEY (school_year, person_id)
);

-- Kỷ niệm chương "Vì sự nghiệp giáo dục" already received (it is given once per person).
CREATE TABLE medal_awards (
    person_id    INTEGER PRIMARY KEY REFERENCES people (id),
    school_year  VARCHAR NOT NULL,
    note         VARCHAR NOT NULL DEFAULT '',
    created_by   VARCHAR NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL DEFAULT current_localtimestamp()
);

-- The CSTĐCS the council keeps on the final list when more are eligible than the quota.
CREATE TABLE cstdcs_choices (
    school_year  VARCHAR NOT NULL,
    person_id    INTEGER NOT NULL REFERENCES people (id),
    chosen_by    VARCHAR NOT NULL DEFAULT '',
    chosen_at    TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    PRIMARY KEY (school_year, person_id)
);

-- The council's vote. A phone ballot keeps who has voted (ballot_voters) apart from the votes
-- (ballot_votes): a vote row has no voter, no time and no order (rows are rewritten in random
-- order after every ballot), so no reader of the database or the log can link the two.
CREATE SEQUENCE title_ballots_id_seq;
CREATE TABLE title_ballots (
    id           INTEGER PRIMARY KEY DEFAULT nextval('title_ballots_id_seq'),
    school_year  VARCHAR NOT NULL,
    present      INTEGER NOT NULL CHECK (present > 0),   -- members present at the meeting
    state        VARCHAR NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    opened_by    VARCHAR NOT NULL,
    opened_at    TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    closed_at    TIMESTAMP
);

CREATE TABLE ballot_candidates (
    ballot_id  INTEGER NOT NULL REFERENCES title_ballots (id),
    subject    VARCHAR NOT NULL,                         -- 'p:<person id>' or 'g:<tổ>'
    title      VARCHAR NOT NULL,
    name       VARCHAR NOT NULL,
    PRIMARY KEY (ballot_id, subject, title)
);

CREATE TABLE ballot_voters (
    ballot_id  INTEGER NOT NULL REFERENCES title_ballots (id),
    username   VARCHAR NOT NULL,
    PRIMARY KEY (ballot_id, username)
);

CREATE TABLE ballot_votes (
    ballot_id  INTEGER NOT NULL,
    subject    VARCHAR NOT NULL,
    title      VARCHAR NOT NULL,
    agree      BOOLEAN NOT NULL
);

-- Paper ballots counted by the secretary: the tally per candidate and title.
CREATE TABLE paper_tallies (
    school_year  VARCHAR NOT NULL,
    subject      VARCHAR NOT NULL,
    title        VARCHAR NOT NULL,
    name         VARCHAR NOT NULL,
    agree        INTEGER NOT NULL CHECK (agree >= 0),
    disagree     INTEGER NOT NULL CHECK (disagree >= 0),
    present      INTEGER NOT NULL CHECK (present > 0),
    entered_by   VARCHAR NOT NULL,
    PRIMARY KEY (school_year, subject, title)
);
