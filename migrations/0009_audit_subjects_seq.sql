-- 0009 audit/: audit verify compares each entry's subjects with the subjects index page by page, by sequence number.
CREATE INDEX audit_subjects_seq ON audit_subjects (seq);
