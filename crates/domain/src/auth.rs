//! Who may do what. One table (`Permission::allowed_for`) decides every role check in the hub, and
//! `Principal::can_access` decides every tenant check, so no handler improvises its own rule.

use crate::ids::{ApiKeyId, InstitutionId};
use crate::institution::Role;
use serde::Serialize;

/// An authenticated caller: always acting for exactly one institution, with that institution's roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub institution: InstitutionId,
    pub roles: Vec<Role>,
    pub credential: Credential,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Credential {
    ApiKey(ApiKeyId),
    /// A portal user session (user id).
    User(String),
    /// The local `ecert admin` command, acting with operator rights on the machine that holds the database.
    LocalAdmin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read the participant registries (countries, institutions, accreditation bodies): public within the hub.
    ReadParticipants,
    /// Create and change institutions, accreditation, scope, countries, API keys.
    ManageRegistries,
    /// Read a CAB's accreditation, scope and certificates (own CAB, or any for the operator).
    ReadCabRecords,
    /// Register, renew and revoke certificates in the Public Key Registry.
    ManageCertificates,
    /// Read audit events (own, or all for the operator).
    ReadAudit,
    /// Push signed documents and change their status (issuing CABs, for their own documents).
    SubmitDocuments,
    /// Read document metadata and delivery status: a CAB its own documents, the operator all (never the PDF).
    ReadDocuments,
    /// Receive documents addressed to the caller: list, poll, read, download, reply; register webhooks.
    ReceiveDocuments,
    /// Verify a document against the registries (any authenticated party).
    VerifyDocuments,
}

impl Permission {
    pub fn allowed_for(self, role: Role) -> bool {
        use Permission::*;
        match self {
            ReadParticipants | ReadAudit | VerifyDocuments => true,
            SubmitDocuments => role == Role::IssuingCab,
            ReadDocuments => matches!(role, Role::IssuingCab | Role::HubOperator),
            ReceiveDocuments => role.is_receiving_authority(),
            ManageRegistries | ManageCertificates => role == Role::HubOperator,
            ReadCabRecords => {
                matches!(role, Role::HubOperator | Role::IssuingCab | Role::NationalFocalPoint)
                    || role.is_receiving_authority()
            }
        }
    }
}

impl Principal {
    pub fn is_operator(&self) -> bool {
        self.roles.contains(&Role::HubOperator)
    }

    pub fn has(&self, permission: Permission) -> bool {
        self.roles.iter().any(|r| permission.allowed_for(*r))
    }

    /// Tenant rule: the operator reaches every institution's records, anyone else only its own.
    pub fn can_access(&self, owner: InstitutionId) -> bool {
        self.is_operator() || self.institution == owner
    }

    /// A CAB's accreditation, scope and certificates are read by the CAB itself, the operator, and the relying
    /// parties (receiving authorities, focal points) who must judge documents; never by another CAB.
    pub fn can_read_cab_records(&self, cab: InstitutionId) -> bool {
        self.can_access(cab) || self.is_relying_party()
    }

    /// The receiver of an exchange, and no one else, reaches its PDF and replies to it. Unlike
    /// [`Principal::can_access`] there is no operator bypass: the operator sees metadata, never documents.
    pub fn is_receiver(&self, receiver: InstitutionId) -> bool {
        self.institution == receiver
    }

    /// Receiving authorities and focal points rely on CAB records to judge documents.
    pub fn is_relying_party(&self) -> bool {
        self.roles.iter().any(|r| r.is_receiving_authority() || *r == Role::NationalFocalPoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(roles: &[Role]) -> Principal {
        Principal { institution: InstitutionId::new(), roles: roles.to_vec(), credential: Credential::LocalAdmin }
    }

    #[test]
    fn only_operator_manages() {
        for role in Role::ALL {
            let p = principal(&[role]);
            assert_eq!(p.has(Permission::ManageRegistries), role == Role::HubOperator, "{role:?}");
            assert_eq!(p.has(Permission::ManageCertificates), role == Role::HubOperator, "{role:?}");
            assert!(p.has(Permission::ReadParticipants));
        }
    }

    #[test]
    fn cab_records_are_hidden_from_other_cabs_only() {
        let cab = InstitutionId::new();
        assert!(!principal(&[Role::IssuingCab]).can_read_cab_records(cab));
        assert!(principal(&[Role::Customs]).can_read_cab_records(cab));
        assert!(principal(&[Role::NationalFocalPoint]).can_read_cab_records(cab));
    }

    #[test]
    fn document_permissions_follow_roles() {
        for role in Role::ALL {
            let p = principal(&[role]);
            assert_eq!(p.has(Permission::SubmitDocuments), role == Role::IssuingCab, "{role:?}");
            assert_eq!(p.has(Permission::ReceiveDocuments), role.is_receiving_authority(), "{role:?}");
            assert_eq!(
                p.has(Permission::ReadDocuments),
                matches!(role, Role::IssuingCab | Role::HubOperator),
                "{role:?}"
            );
        }
        let operator = principal(&[Role::HubOperator]);
        assert!(!operator.is_receiver(InstitutionId::new()), "the operator never acts as a receiver");
    }

    #[test]
    fn tenant_rule() {
        let cab = principal(&[Role::IssuingCab]);
        assert!(cab.can_access(cab.institution));
        assert!(!cab.can_access(InstitutionId::new()));
        assert!(principal(&[Role::HubOperator]).can_access(InstitutionId::new()));
    }
}
