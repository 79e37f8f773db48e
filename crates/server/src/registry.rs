//! The device registry in memory: MN → device, reloaded from the store periodically so that
//! devices registered with `lantian device import` are accepted without a restart.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use lantian_core::Device;
use lantian_store::{Store, StoreError};

/// A registered device as the receiver sees it.
#[derive(Debug)]
pub struct Entry {
    /// Store id.
    pub id: i64,
    /// The record.
    pub device: Device,
    /// Its CRC variant (checked on every frame).
    pub crc: lantian_hj212::CrcVariant,
}

/// MN → entry.
#[derive(Debug, Default)]
pub struct Registry {
    map: RwLock<HashMap<String, Arc<Entry>>>,
    /// The store's registry fingerprint at the last load.
    version: std::sync::Mutex<Option<(i64, i64)>>,
}

impl Registry {
    /// Replaces the contents with the store's devices.
    ///
    /// # Errors
    ///
    /// If the store cannot be read.
    pub fn reload(&self, store: &Store) -> Result<(), StoreError> {
        // Unchanged since the last load: nothing to read (a big registry is not re-parsed every
        // period).
        let version = store.devices_version()?;
        if self.version.lock().is_ok_and(|v| *v == Some(version)) {
            return Ok(());
        }
        let devices = store.devices()?;
        let map: HashMap<String, Arc<Entry>> = devices
            .into_iter()
            .map(|d| {
                let crc = d
                    .device
                    .crc_variant()
                    .unwrap_or(lantian_hj212::CrcVariant::Standard);
                (
                    d.device.mn.clone(),
                    Arc::new(Entry {
                        id: d.id,
                        device: d.device,
                        crc,
                    }),
                )
            })
            .collect();
        metrics::gauge!("lantian_devices_registered").set(map.len() as f64);
        if let Ok(mut m) = self.map.write() {
            *m = map;
        }
        if let Ok(mut v) = self.version.lock() {
            *v = Some(version);
        }
        Ok(())
    }

    /// The device with this MN.
    #[must_use]
    pub fn get(&self, mn: &str) -> Option<Arc<Entry>> {
        self.map.read().ok()?.get(mn).cloned()
    }

    /// Every device.
    #[must_use]
    pub fn all(&self) -> Vec<Arc<Entry>> {
        self.map
            .read()
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }
}
