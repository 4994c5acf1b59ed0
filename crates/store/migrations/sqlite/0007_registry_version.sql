-- The registry's version: one number that every write to a registry table moves, in the same transaction. The hub
-- caches the registry reads of its upload path and checks this number at each upload, so a cached record is never
-- used after the record changed, in this process or in another. Triggers move it, so no write path can forget to.
CREATE TABLE registry_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO registry_version (id, version) VALUES (1, 0);

CREATE TRIGGER countries_insert_moves_registry_version AFTER INSERT ON countries
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER countries_update_moves_registry_version AFTER UPDATE ON countries
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER countries_delete_moves_registry_version AFTER DELETE ON countries
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER institutions_insert_moves_registry_version AFTER INSERT ON institutions
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER institutions_update_moves_registry_version AFTER UPDATE ON institutions
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER institutions_delete_moves_registry_version AFTER DELETE ON institutions
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER institution_roles_insert_moves_registry_version AFTER INSERT ON institution_roles
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER institution_roles_update_moves_registry_version AFTER UPDATE ON institution_roles
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER institution_roles_delete_moves_registry_version AFTER DELETE ON institution_roles
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER accreditation_bodies_insert_moves_registry_version AFTER INSERT ON accreditation_bodies
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER accreditation_bodies_update_moves_registry_version AFTER UPDATE ON accreditation_bodies
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER accreditation_bodies_delete_moves_registry_version AFTER DELETE ON accreditation_bodies
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER accreditations_insert_moves_registry_version AFTER INSERT ON accreditations
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER accreditations_update_moves_registry_version AFTER UPDATE ON accreditations
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER accreditations_delete_moves_registry_version AFTER DELETE ON accreditations
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER scope_entries_insert_moves_registry_version AFTER INSERT ON scope_entries
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER scope_entries_update_moves_registry_version AFTER UPDATE ON scope_entries
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER scope_entries_delete_moves_registry_version AFTER DELETE ON scope_entries
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER certificates_insert_moves_registry_version AFTER INSERT ON certificates
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER certificates_update_moves_registry_version AFTER UPDATE ON certificates
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER certificates_delete_moves_registry_version AFTER DELETE ON certificates
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER webhooks_insert_moves_registry_version AFTER INSERT ON webhooks
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER webhooks_update_moves_registry_version AFTER UPDATE ON webhooks
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER webhooks_delete_moves_registry_version AFTER DELETE ON webhooks
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
END;
