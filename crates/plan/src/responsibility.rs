//! Who is responsible for a task (责任分工), read from the plan's wording:
//!
//! * `A牵头` — A leads (牵头); what follows `牵头` (`B、C等配合`, `B等按职责分工负责`) cooperates
//!   (配合);
//! * `A、B按职责分工负责`, `A负责`, `A` — A and B share the lead, each for its own duties;
//! * `等`, `等部门`, `各有关部门` — others not named take part too ([`Responsibility::others`]);
//! * `…，各区镇人民政府负责落实` — the towns carry the task out ([`Responsibility::towns`]).
//!
//! Names are returned as written (after `等` is cut); the loader resolves them and their
//! aliases against the plan's department list.

/// The departments of one task.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Responsibility {
    /// 牵头 (or jointly responsible) departments, in the plan's order.
    pub lead: Vec<String>,
    /// 配合 departments.
    pub cooperating: Vec<String>,
    /// 等 / 各有关部门: departments not named take part.
    pub others: bool,
    /// The towns (区镇) are named as implementing the task.
    pub towns: bool,
}

/// Reads a task's responsibility text.
pub fn parse(text: &str) -> Responsibility {
    let mut t = text.trim().trim_end_matches(['。', '.']).to_owned();
    let mut r = Responsibility::default();
    if let Some(i) = t.find("，各区镇人民政府负责落实") {
        t.truncate(i);
        r.towns = true;
    }
    let strip = |s: &str| -> String {
        let mut s = s.trim().trim_start_matches(['，', '、', ',']).to_owned();
        for suffix in ["按职责分工负责", "配合", "负责"] {
            if let Some(x) = s.strip_suffix(suffix) {
                s = x.to_owned();
                break;
            }
        }
        s
    };
    let (lead, cooperating) = match t.split_once("牵头") {
        Some((lead, rest)) => (lead.to_owned(), strip(rest)),
        None => (strip(&t), String::new()),
    };
    let mut others = false;
    r.lead = names(&lead, &mut others);
    r.cooperating = names(&cooperating, &mut others);
    r.others = others;
    r
}

fn names(list: &str, others: &mut bool) -> Vec<String> {
    let mut out = Vec::new();
    for item in list.split(['、', '，', ',']) {
        let mut item = item.trim();
        for suffix in ["等部门", "等"] {
            if let Some(x) = item.strip_suffix(suffix) {
                item = x.trim();
                *others = true;
            }
        }
        match item {
            "" => {}
            "各有关部门" | "区各有关部门" | "有关部门" => *others = true,
            name => out.push(name.to_owned()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_wordings_of_the_plan() {
        let r = parse("生态环境局牵头、发展改革委、农业农村局、市场监管局等配合");
        assert_eq!(r.lead, v(&["生态环境局"]));
        assert_eq!(
            r.cooperating,
            v(&["发展改革委", "农业农村局", "市场监管局"])
        );
        assert!(r.others);

        let r = parse("发展改革委、生态环境局、应急管理局、市场监管局按职责分工负责");
        assert_eq!(r.lead.len(), 4);
        assert!(r.cooperating.is_empty() && !r.others);

        let r = parse("生态环境局牵头，区各有关部门按职责分工负责");
        assert_eq!(
            (r.lead, r.cooperating, r.others),
            (v(&["生态环境局"]), v(&[]), true)
        );

        let r = parse("交通运输局牵头，发展改革委、财政局等按职责分工负责");
        assert_eq!(r.cooperating, v(&["发展改革委", "财政局"]));

        assert_eq!(parse("生态环境局负责").lead, v(&["生态环境局"]));
        assert_eq!(parse("发展改革委").lead, v(&["发展改革委"]));
        assert_eq!(parse("生态环境局牵头").cooperating, v(&[]));
        let r = parse("农业农村局、发展改革委、生态环境局、科技局等部门按职责分工负责");
        assert_eq!((r.lead.len(), r.others), (4, true));

        let r = parse(
            "发展改革委、生态环境局、数据局按职责分工负责，各区镇人民政府负责落实。以下均需各区镇（街道）政府（管委会）落实，不再列出",
        );
        assert_eq!(r.lead, v(&["发展改革委", "生态环境局", "数据局"]));
        assert!(r.towns && !r.others);

        let r = parse("生态环境局牵头，交通运输局配合。");
        assert_eq!(r.cooperating, v(&["交通运输局"]));
    }
}
