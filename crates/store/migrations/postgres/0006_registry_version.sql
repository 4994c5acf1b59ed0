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

CREATE TRIGGER countries_moves_registry_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON countries
    FOR EACH STATEMENT EXECUTE FUNCTION move_registry_version();

CREATE TRIGGER institutions_moves_registry_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON institutions
    FOR EACH STATEMENT EXECUTE FUNCTION move_registry_version();

CREATE TRIGGER institution_roles_moves_registry_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON institution_roles
    FOR EACH STATEMENT EXECUTE FUNCTION move_registry_version();

CREATE TRIGGER accreditation_bodies_moves_registry_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON accreditation_bodies
    FOR EACH STATEMENT EXECUTE FUNCTION move_registry_version();

CREATE TRIGGER accreditations_moves_registry_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON accreditations
    FOR EACH STATEMENT EXECUTE FUNCTION move_registry_version();

CREATE TRIGGER scope_entries_moves_registry_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON scope_entries
    FOR EACH STATEMENT EXECUTE FUNCTION move_registry_version();

CREATE TRIGGER certificates_moves_registry_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON certificates
    FOR EACH STATEMENT EXECUTE FUNCTION move_registry_version();

CREATE TRIGGER webhooks_moves_registry_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON webhooks
    FOR EACH STATEMENT EXECUTE FUNCTION move_registry_version();
