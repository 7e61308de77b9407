//! The demo seed: one process (two revisions), a connection and a process-property
//! component to extend, environments TEST and PROD with two runtimes each, and the
//! extensions of both environments.

use serde_json::{Value, json};

use crate::store::Inner;

/// The fixed ids and values of [`Seed::Demo`](crate::Seed::Demo).
pub mod demo {
    /// The process component, at revision [`COMPONENT_VERSION`] (revision 1 exists too).
    pub const COMPONENT_ID: &str = "c0000001-0000-4000-8000-000000000001";
    pub const COMPONENT_NAME: &str = "Orders Sync";
    /// The current revision of the demo process.
    pub const COMPONENT_VERSION: i32 = 2;
    pub const TEST_ENV_ID: &str = "e0000001-0000-4000-8000-000000000001";
    pub const TEST_ENV_NAME: &str = "TEST";
    pub const PROD_ENV_ID: &str = "e0000002-0000-4000-8000-000000000002";
    pub const PROD_ENV_NAME: &str = "PROD";
    /// The runtimes attached to TEST.
    pub const TEST_ATOMS: [&str; 2] = ["a0000001-0000-4000-8000-000000000001", "a0000002-0000-4000-8000-000000000002"];
    /// The runtimes attached to PROD.
    pub const PROD_ATOMS: [&str; 2] = ["a0000003-0000-4000-8000-000000000003", "a0000004-0000-4000-8000-000000000004"];
    /// The connection component whose fields the extensions of both environments set.
    pub const CONNECTION_ID: &str = "c0000002-0000-4000-8000-000000000002";
    pub const CONNECTION_NAME: &str = "Orders Database";
    /// A plain field of the connection.
    pub const URL_FIELD: &str = "url";
    /// A second plain field of the connection.
    pub const USER_FIELD: &str = "user";
    /// The encrypted field of the connection.
    pub const PASSWORD_FIELD: &str = "password";
    /// The stored value of [`PASSWORD_FIELD`] in both environments; the API must never
    /// return it.
    pub const ENCRYPTED_SECRET: &str = "s3cr3t-Demo-Passw0rd!";
    /// The values of [`URL_FIELD`] in TEST and PROD.
    pub const TEST_URL: &str = "jdbc:postgresql://orders-db.test.example.com:5432/orders";
    pub const PROD_URL: &str = "jdbc:postgresql://orders-db.prod.example.com:5432/orders";
    /// The value of [`USER_FIELD`] in both environments.
    pub const DB_USER: &str = "orders_app";
    /// The process-property component, with one key.
    pub const PROCESS_PROPERTY_ID: &str = "c0000003-0000-4000-8000-000000000003";
    pub const PROCESS_PROPERTY_NAME: &str = "Orders Settings";
    pub const PROCESS_PROPERTY_KEY: &str = "batchSize";
    /// The value of [`PROCESS_PROPERTY_KEY`] in both environments.
    pub const PROCESS_PROPERTY_VALUE: &str = "100";
    /// A plain `properties` entry, valued with the environment's name.
    pub const PROPERTY_NAME: &str = "environmentLabel";
}

/// When the seed's components were made (fixed, so answers are reproducible).
const SEED_DATE: &str = "2025-06-01T10:00:00Z";

pub(crate) fn demo(inner: &mut Inner) {
    inner.add_component(demo::COMPONENT_ID, demo::COMPONENT_NAME, "process", 1);
    inner.add_component(demo::COMPONENT_ID, demo::COMPONENT_NAME, "process", demo::COMPONENT_VERSION);
    inner.add_component(demo::CONNECTION_ID, demo::CONNECTION_NAME, "connector-settings", 1);
    inner.add_component(demo::PROCESS_PROPERTY_ID, demo::PROCESS_PROPERTY_NAME, "processproperty", 1);
    for revision in &mut inner.state.components {
        revision.created_date = SEED_DATE.to_owned();
        revision.modified_date = SEED_DATE.to_owned();
    }
    for (env_id, name, atoms, url) in [
        (demo::TEST_ENV_ID, demo::TEST_ENV_NAME, demo::TEST_ATOMS, demo::TEST_URL),
        (demo::PROD_ENV_ID, demo::PROD_ENV_NAME, demo::PROD_ATOMS, demo::PROD_URL),
    ] {
        inner.add_environment(Some(env_id), name, name);
        for (i, atom) in atoms.iter().enumerate() {
            inner.add_atom(atom, &format!("{name}-atom-{}", i + 1));
            inner.attach(atom, env_id);
        }
        if let Some(extensions) = inner.state.extensions.iter_mut().find(|e| e.environment_id == env_id) {
            fill_extensions(&mut extensions.document, name, url);
        }
    }
}

fn fill_extensions(document: &mut Value, env_name: &str, url: &str) {
    document["connections"]["connection"] = json!([{
        "@type": "Connection",
        "id": demo::CONNECTION_ID,
        "name": demo::CONNECTION_NAME,
        "field": [
            {"@type": "Field", "id": demo::URL_FIELD, "value": url, "useDefault": false, "usesEncryption": false, "componentOverride": false, "encryptedValueSet": false},
            {"@type": "Field", "id": demo::USER_FIELD, "value": demo::DB_USER, "useDefault": false, "usesEncryption": false, "componentOverride": false, "encryptedValueSet": false},
            {"@type": "Field", "id": demo::PASSWORD_FIELD, "value": demo::ENCRYPTED_SECRET, "useDefault": false, "usesEncryption": true, "componentOverride": false, "encryptedValueSet": true},
        ],
    }]);
    document["processProperties"]["ProcessProperty"] = json!([{
        "@type": "OverrideProcessProperty",
        "id": demo::PROCESS_PROPERTY_ID,
        "name": demo::PROCESS_PROPERTY_NAME,
        "ProcessPropertyValue": [
            {"@type": "ProcessPropertyValue", "key": demo::PROCESS_PROPERTY_KEY, "label": "Batch size", "value": demo::PROCESS_PROPERTY_VALUE, "useDefault": false, "usesEncryption": false, "encryptedValueSet": false, "componentOverride": false, "validate": false},
        ],
    }]);
    document["properties"]["property"] = json!([{"name": demo::PROPERTY_NAME, "value": env_name}]);
}

#[cfg(test)]
mod tests {
    use super::demo;
    use crate::ids::uuid_like;
    use crate::store::{KIND_COMPONENT, KIND_ENVIRONMENT};
    const KIND_ATOM: u8 = 0xa0;

    #[test]
    fn demo_ids_have_the_shape_of_generated_ones() {
        assert_eq!(demo::COMPONENT_ID, uuid_like(KIND_COMPONENT, 1));
        assert_eq!(demo::CONNECTION_ID, uuid_like(KIND_COMPONENT, 2));
        assert_eq!(demo::PROCESS_PROPERTY_ID, uuid_like(KIND_COMPONENT, 3));
        assert_eq!(demo::TEST_ENV_ID, uuid_like(KIND_ENVIRONMENT, 1));
        assert_eq!(demo::PROD_ENV_ID, uuid_like(KIND_ENVIRONMENT, 2));
        let atoms: Vec<String> = (1..=4).map(|n| uuid_like(KIND_ATOM, n)).collect();
        assert_eq!(demo::TEST_ATOMS.iter().chain(&demo::PROD_ATOMS).copied().collect::<Vec<_>>(), atoms);
    }
}
