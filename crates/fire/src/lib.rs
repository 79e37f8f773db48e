//! Satellite fire points (秸秆焚烧火点): detections from NASA FIRMS (MODIS, VIIRS) and generic
//! sources ([`firms`]), attributed to districts and towns by point-in-polygon on an R-tree with
//! a near-border flag ([`attribution`]), and merged into incidents ([`incidents`]). Pure: text and polygons in, no IO, no clock.

pub mod attribution;
pub mod firms;
pub mod incidents;

pub use attribution::{Attribution, Region, Regions, regions_from_geojson};
pub use firms::{Confidence, Detection, LineError, Parsed, parse};
pub use incidents::{Incident, MergeRule, merge};
