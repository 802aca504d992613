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
