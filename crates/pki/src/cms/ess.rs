//! ESS signing-certificate attributes (RFC 2634 / RFC 5035): the signed link between a
//! signature and its signer certificate.

use der::Encode;
use der::Sequence;
use der::asn1::OctetString;
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;

use crate::alg::IdHash;
use crate::cert::Certificate;
use crate::encoding::trim_serial;
use crate::error::{Error, Result};

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(super) struct IssuerSerial {
    pub(super) issuer: Vec<GeneralName>,
    pub(super) serial_number: SerialNumber,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(super) struct EssCertIdV2Asn1 {
    /// Absent means SHA-256 (the DEFAULT).
    #[asn1(optional = "true")]
    pub(super) hash_algorithm: Option<AlgorithmIdentifierOwned>,
    pub(super) cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub(super) issuer_serial: Option<IssuerSerial>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(super) struct SigningCertificateV2Asn1 {
    pub(super) certs: Vec<EssCertIdV2Asn1>,
    #[asn1(optional = "true")]
    pub(super) policies: Option<der::Any>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(super) struct EssCertIdAsn1 {
    pub(super) cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub(super) issuer_serial: Option<IssuerSerial>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(super) struct SigningCertificateAsn1 {
    pub(super) certs: Vec<EssCertIdAsn1>,
    #[asn1(optional = "true")]
    pub(super) policies: Option<der::Any>,
}

/// One ESSCertID / ESSCertIDv2 entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EssCertId {
    pub hash: IdHash,
    pub cert_hash: Vec<u8>,
    /// (issuer Name DER, serial without leading zeros), if issuerSerial is present and names a directory name.
    pub issuer_serial: Option<(Vec<u8>, Vec<u8>)>,
}

impl EssCertId {
    /// The hash covers the whole certificate; issuerSerial, when present, must agree too.
    pub fn matches(&self, cert: &Certificate) -> bool {
        let hash_ok = self.hash.hash(cert.der()) == self.cert_hash;
        let serial_ok = self
            .issuer_serial
            .as_ref()
            .is_none_or(|(issuer, serial)| issuer == cert.issuer_der() && serial == trim_serial(cert.serial_bytes()));
        hash_ok && serial_ok
    }

    pub(super) fn from_parts(
        hash: IdHash,
        cert_hash: &OctetString,
        issuer_serial: Option<&IssuerSerial>,
    ) -> Result<Self> {
        let issuer_serial = match issuer_serial {
            None => None,
            Some(is) => {
                let name = is.issuer.iter().find_map(|g| match g {
                    GeneralName::DirectoryName(n) => Some(n),
                    _ => None,
                });
                let name = name.ok_or_else(|| Error::Cms("ESS issuerSerial without a directory name".into()))?;
                let name_der = name.to_der().map_err(|e| Error::malformed("ESS issuerSerial", e))?;
                Some((name_der, trim_serial(is.serial_number.as_bytes()).to_vec()))
            }
        };
        Ok(EssCertId { hash, cert_hash: cert_hash.as_bytes().to_vec(), issuer_serial })
    }
}
