//! A dropped model kept for this tab (`sessionStorage`), so a reload or
//! Back/Forward finds it again: its structure (no weights), as in share links.
//! Best effort: a model too large for the storage is simply not kept.

const PREFIX: &str = "mpclens.model:";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// Keeps `name`'s structure, in link form (`mpclens::share::structure::encode`, made in the worker).
pub fn store_link(name: &str, link: &str) {
    let Some(s) = storage() else { return };
    let _ = s.set_item(&format!("{PREFIX}{name}"), link);
}

/// The model bytes kept under `name`, if any.
pub fn load(name: &str) -> Option<Vec<u8>> {
    let m = storage()?.get_item(&format!("{PREFIX}{name}")).ok()??;
    mpclens::share::structure::decode(&m).ok()
}
