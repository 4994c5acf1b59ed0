-- The registry's version: one number that every write to a registry table moves, in the same transaction. The hub
-- caches the registry reads of its upload path and checks this number at each upload, so a cached record is never
-- used after the record changed, in this process or in another. Triggers move it, so no write path can forget to.
CREATE TABLE registry_version (
    id SMALLINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO registry_version (id, version) VALUES (1, 0);

CREATE FUNCTION move_registry_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

-- One trigger per registry table, created from one list of the tables.
DO $$
DECLARE
    registry_table TEXT;
BEGIN
    FOREACH registry_table IN ARRAY ARRAY['countries', 'institutions', 'institution_roles', 'accreditation_bodies',
        'accreditations', 'scope_entries', 'certificates', 'webhooks']
    LOOP
        EXECUTE format(
            'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
            'FOR EACH STATEMENT EXECUTE FUNCTION move_registry_version()',
            registry_table || '_moves_registry_version', registry_table);
    END LOOP;
END;
$$;
