//! The four-level source classification (源分类) as data: dotted codes (`1`, `1.2`, `1.2.3`,
//! `1.2.3.4`), each level's parent its prefix. The first level is the ten categories of the 2014
//! MEE PM2.5 guide (standards.md §6.3, recalled; whether the VOC and NH3 guides use exactly the
//! same ten is UNVERIFIED, so the whole hierarchy is a file: `config/inventory/categories.toml`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// Dotted code.
    pub code: String,
    /// Chinese name.
    pub name: String,
}

impl Category {
    /// 1 to 4.
    #[must_use]
    pub fn level(&self) -> usize {
        self.code.split('.').count()
    }
}

/// The hierarchy, in numeric code order (1, 1.1, 1.2, 2, …, 10).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Categories {
    list: Vec<Category>,
    by_code: BTreeMap<String, usize>,
}

fn numeric(code: &str) -> Vec<u32> {
    code.split('.')
        .map(|p| p.parse().unwrap_or(u32::MAX))
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    category: Vec<Category>,
}

/// The hierarchy shipped with lantian.
pub const BUILTIN: &str = include_str!("../../../config/inventory/categories.toml");

impl Categories {
    /// From the TOML text (`[[category]] code = "1.1" name = "…"`); every problem named.
    pub fn from_toml(text: &str) -> Result<Categories, Vec<String>> {
        let file: File = toml::from_str(text).map_err(|e| vec![e.to_string()])?;
        let mut errors = Vec::new();
        let mut by_code: BTreeMap<String, Category> = BTreeMap::new();
        for c in file.category {
            let parts: Vec<&str> = c.code.split('.').collect();
            if parts.len() > 4
                || parts
                    .iter()
                    .any(|p| p.is_empty() || !p.chars().all(|ch| ch.is_ascii_digit()))
            {
                errors.push(format!(
                    "category {:?}: a code is 1 to 4 dotted numbers",
                    c.code
                ));
                continue;
            }
            if c.name.trim().is_empty() {
                errors.push(format!("category {}: no name", c.code));
            }
            if by_code.insert(c.code.clone(), c.clone()).is_some() {
                errors.push(format!("category {}: given twice", c.code));
            }
        }
        for code in by_code.keys() {
            if let Some((parent, _)) = code.rsplit_once('.')
                && !by_code.contains_key(parent)
            {
                errors.push(format!(
                    "category {code}: its parent {parent} is not defined"
                ));
            }
        }
        if errors.is_empty() {
            let mut list: Vec<Category> = by_code.into_values().collect();
            list.sort_by_key(|c| numeric(&c.code));
            let by_code = list
                .iter()
                .enumerate()
                .map(|(i, c)| (c.code.clone(), i))
                .collect();
            Ok(Categories { list, by_code })
        } else {
            Err(errors)
        }
    }

    /// The hierarchy shipped with lantian.
    ///
    /// # Panics
    /// Never: the shipped file is checked by a test.
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn builtin() -> Categories {
        Categories::from_toml(BUILTIN).expect("config/inventory/categories.toml is valid")
    }

    /// A category by code.
    #[must_use]
    pub fn get(&self, code: &str) -> Option<&Category> {
        self.by_code.get(code).and_then(|&i| self.list.get(i))
    }

    /// The first-level category of `code` (its first number).
    #[must_use]
    pub fn top(&self, code: &str) -> Option<&Category> {
        self.get(code.split('.').next().unwrap_or(code))
    }

    /// Every category, in code order.
    pub fn iter(&self) -> impl Iterator<Item = &Category> {
        self.list.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_hierarchy_has_the_ten_first_level_categories() {
        let c = Categories::builtin();
        let top: Vec<&str> = c
            .iter()
            .filter(|c| c.level() == 1)
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(
            top,
            [
                "化石燃料固定燃烧源",
                "工艺过程源",
                "移动源",
                "溶剂使用源",
                "农业源",
                "扬尘源",
                "生物质燃烧源",
                "储存运输源",
                "废弃物处理源",
                "其他排放源"
            ]
        );
        assert_eq!(c.top("1.1.1").unwrap().name, "化石燃料固定燃烧源");
        assert!(c.iter().all(|x| x.level() <= 4));
    }

    #[test]
    fn bad_files_are_named() {
        let e = Categories::from_toml(
            "[[category]]\ncode = \"1.2\"\nname = \"x\"\n[[category]]\ncode = \"a\"\nname = \"y\"\n[[category]]\ncode = \"1.2\"\nname = \"z\"\n",
        )
        .unwrap_err();
        assert!(e.iter().any(|m| m.contains("\"a\"")), "{e:?}");
        assert!(e.iter().any(|m| m.contains("given twice")), "{e:?}");
        assert!(
            e.iter().any(|m| m.contains("parent 1 is not defined")),
            "{e:?}"
        );
    }
}
