-- Blind indexes inside record keys are scoped per dataset: a record's stored key (and so the order records are read
-- in) can no longer be lined up with another dataset's. Datasets that already hold records keep the global index
-- their stored keys were written with ('global'); every dataset created from now on is scoped ('dataset').
ALTER TABLE datasets ADD COLUMN key_scope text NOT NULL DEFAULT 'global' CHECK (key_scope IN ('global', 'dataset'));
ALTER TABLE datasets ALTER COLUMN key_scope SET DEFAULT 'dataset';
