//! Satellite fire points (秸秆焚烧火点): detections from NASA FIRMS (MODIS, VIIRS) and generic
//! sources ([`firms`]), attributed to districts and towns by point-in-polygon on an R-tree with
//! a near-border flag ([`attribution`]), merged into incidents ([`incidents`]), and the incidents' work orders with their statistics
//! ([`orders`]). Pure: text and polygons in, no IO, no clock.

pub mod attribution;
pub mod boundary;
pub mod firms;
pub mod incidents;
pub mod orders;

pub use attribution::{Attribution, Region, Regions, regions_from_geojson};
pub use boundary::{BoundaryError, BoundaryLimits};
pub use firms::{Confidence, Detection, Keys, LineError, Parsed, parse};
pub use incidents::{Incident, Joins, MergeRule, extend, merge};
