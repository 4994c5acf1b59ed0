//! OpenAPI schemas for the value types whose JSON form is a plain string.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

macro_rules! string_schema {
    ($t:ty, $name:literal, $pattern:literal, $desc:literal) => {
        impl utoipa::PartialSchema for $t {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new().schema_type(Type::String).pattern(Some($pattern)).description(Some($desc)).into()
            }
        }
        impl utoipa::ToSchema for $t {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($name)
            }
        }
    };
}

string_schema!(crate::country::CountryCode, "CountryCode", "^[A-Z]{2}$", "ISO 3166-1 alpha-2 country code");
string_schema!(crate::hs::HsPrefix, "HsPrefix", "^([0-9]{2}|[0-9]{4}|[0-9]{6})$", "HS code prefix: 2, 4 or 6 digits");
string_schema!(crate::hs::HsCode, "HsCode", "^([0-9]{6}|[0-9]{8}|[0-9]{10})$", "HS code: 6, 8 or 10 digits");
string_schema!(crate::audit::Digest, "Digest", "^[0-9a-f]{64}$", "SHA-256 digest, lower-case hex");
