//! Translation keys of the hub's enumerations, one literal per variant (so the completeness test sees them).
//! Templates use them through [`crate::Ctx`]: `ctx.document_status(d.status)`, `ctx.delivery_status(..)`, ...

use crate::key;
use ecert_domain::document::DocumentStatus;
use ecert_domain::document_type::DocumentType;
use ecert_domain::exchange::DeliveryStatus;
use ecert_domain::institution::Role;

pub fn document_status(s: DocumentStatus) -> &'static str {
    match s {
        DocumentStatus::Valid => key!("document-status-valid"),
        DocumentStatus::Suspended => key!("document-status-suspended"),
        DocumentStatus::Withdrawn => key!("document-status-withdrawn"),
        DocumentStatus::Replaced => key!("document-status-replaced"),
    }
}

pub fn delivery_status(s: DeliveryStatus) -> &'static str {
    match s {
        DeliveryStatus::PendingDelivery => key!("delivery-status-pending"),
        DeliveryStatus::Delivered => key!("delivery-status-delivered"),
        DeliveryStatus::Downloaded => key!("delivery-status-downloaded"),
        DeliveryStatus::Acknowledged => key!("delivery-status-acknowledged"),
        DeliveryStatus::FailedDelivery => key!("delivery-status-failed"),
        DeliveryStatus::Expired => key!("delivery-status-expired"),
        DeliveryStatus::PdfDeleted => key!("delivery-status-pdf-deleted"),
    }
}

pub fn document_type(t: DocumentType) -> &'static str {
    match t {
        DocumentType::ConformityCertificate => key!("document-type-coc"),
        DocumentType::TestReport => key!("document-type-tr"),
    }
}

pub fn role(r: Role) -> &'static str {
    match r {
        Role::IssuingCab => key!("role-issuing-cab"),
        Role::Regulator => key!("role-regulator"),
        Role::Customs => key!("role-customs"),
        Role::ManagementAuthority => key!("role-management-authority"),
        Role::NationalFocalPoint => key!("role-national-focal-point"),
        Role::HubOperator => key!("role-hub-operator"),
    }
}

/// The CSS class of a status badge: good, warn or bad news for the reader.
pub fn document_status_class(s: DocumentStatus) -> &'static str {
    match s {
        DocumentStatus::Valid => "good",
        DocumentStatus::Suspended => "warn",
        DocumentStatus::Withdrawn | DocumentStatus::Replaced => "bad",
    }
}

pub fn delivery_status_class(s: DeliveryStatus) -> &'static str {
    match s {
        DeliveryStatus::Acknowledged | DeliveryStatus::Downloaded | DeliveryStatus::PdfDeleted => "good",
        DeliveryStatus::PendingDelivery | DeliveryStatus::Delivered => "",
        DeliveryStatus::FailedDelivery | DeliveryStatus::Expired => "bad",
    }
}
