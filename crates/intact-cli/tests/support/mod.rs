pub mod browser;
pub mod lsp_client;
pub mod scim;
