//! A dropped model kept for this tab (`sessionStorage`), so a reload or
//! Back/Forward finds it again: its structure (no weights), as in share links.
//! Best effort: a model too large for the storage is simply not kept.

const PREFIX: &str = "mpclens.model:";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

pub fn store(name: &str, bytes: &[u8]) {
    let (Some(s), Ok(m)) = (storage(), mpclens::share::structure::encode(bytes)) else { return };
    let _ = s.set_item(&format!("{PREFIX}{name}"), &m);
}

/// The model bytes kept under `name`, if any.
pub fn load(name: &str) -> Option<Vec<u8>> {
    let m = storage()?.get_item(&format!("{PREFIX}{name}")).ok()??;
    mpclens::share::structure::decode(&m).ok()
}
