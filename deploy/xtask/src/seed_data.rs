//! The regional demo data: a deterministic generator (fixed seed), so every developer sees
//! the same organisations, people and agreements. All people, addresses, phone numbers and
//! e-mail addresses are invented (e-mail domains end in `.example`).

use std::collections::BTreeSet;
use std::fmt;

use serde_json::{Map, Value, json};

const SEED: u64 = 0x5148_4d46_2026_0001;

/// A small linear congruential generator (Knuth's MMIX constants); enough for demo data.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { self.next() as usize % n }
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub(crate) fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn date(&mut self, first_year: u16, last_year: u16) -> Date {
        let span = usize::from(last_year.saturating_sub(first_year)) + 1;
        Date {
            year: first_year + self.below(span) as u16,
            month: 1 + self.below(12) as u8,
            day: 1 + self.below(28) as u8,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgKind {
    YouthOffice,
    StateYouthOffice,
    EducationProvider,
    Institution,
}

impl OrgKind {
    fn as_str(self) -> &'static str {
        match self {
            OrgKind::YouthOffice => "youth_office",
            OrgKind::StateYouthOffice => "state_youth_office",
            OrgKind::EducationProvider => "education_provider",
            OrgKind::Institution => "institution",
        }
    }
}

/// One organisation with what hangs off it; `organization_id` is filled in by the seeder.
pub struct OrgPlan {
    pub kind: OrgKind,
    pub body: Value,
    pub people: Vec<Map<String, Value>>,
    pub agreements: Vec<AgreementPlan>,
}

pub struct AgreementPlan {
    pub body: Map<String, Value>,
    pub termination: Option<Value>,
}

struct Town {
    label: &'static str,
    city: &'static str,
    postal_code: &'static str,
    area_code: &'static str,
}

const fn town(
    label: &'static str,
    city: &'static str,
    postal_code: &'static str,
    area_code: &'static str,
) -> Town {
    Town {
        label,
        city,
        postal_code,
        area_code,
    }
}

struct District {
    key: &'static str,
    youth_office: &'static str,
    municipality_key: &'static str,
    domain: &'static str,
    seat: Town,
    towns: &'static [Town],
    institutions: usize,
}

const DISTRICTS: [District; 5] = [
    District {
        key: "stadt_heilbronn",
        youth_office: "Jugendamt Stadt Heilbronn",
        municipality_key: "08121000",
        domain: "stadt-heilbronn.example",
        seat: town("Heilbronn", "Heilbronn", "74072", "7131"),
        towns: &[
            town("Heilbronn", "Heilbronn", "74072", "7131"),
            town("Heilbronn-Böckingen", "Heilbronn", "74080", "7131"),
            town("Heilbronn-Sontheim", "Heilbronn", "74081", "7131"),
            town("Heilbronn-Neckargartach", "Heilbronn", "74078", "7131"),
            town("Heilbronn-Biberach", "Heilbronn", "74078", "7066"),
        ],
        institutions: 8,
    },
    District {
        key: "landkreis_heilbronn",
        youth_office: "Jugendamt Landkreis Heilbronn",
        municipality_key: "08125000",
        domain: "landkreis-heilbronn.example",
        seat: town("Heilbronn", "Heilbronn", "74072", "7131"),
        towns: &[
            town("Neckarsulm", "Neckarsulm", "74172", "7132"),
            town("Eppingen", "Eppingen", "75031", "7262"),
            town("Bad Rappenau", "Bad Rappenau", "74906", "7264"),
            town("Brackenheim", "Brackenheim", "74336", "7135"),
            town("Lauffen am Neckar", "Lauffen am Neckar", "74348", "7133"),
            town("Weinsberg", "Weinsberg", "74189", "7134"),
            town("Bad Friedrichshall", "Bad Friedrichshall", "74177", "7136"),
            town("Möckmühl", "Möckmühl", "74219", "6298"),
            town("Schwaigern", "Schwaigern", "74193", "7138"),
        ],
        institutions: 10,
    },
    District {
        key: "hohenlohekreis",
        youth_office: "Jugendamt Hohenlohekreis",
        municipality_key: "08126000",
        domain: "hohenlohekreis.example",
        seat: town("Künzelsau", "Künzelsau", "74653", "7940"),
        towns: &[
            town("Künzelsau", "Künzelsau", "74653", "7940"),
            town("Öhringen", "Öhringen", "74613", "7941"),
            town("Neuenstein", "Neuenstein", "74632", "7942"),
            town("Krautheim", "Krautheim", "74238", "6294"),
            town("Niedernhall", "Niedernhall", "74676", "7940"),
            town("Pfedelbach", "Pfedelbach", "74629", "7941"),
            town("Bretzfeld", "Bretzfeld", "74626", "7946"),
        ],
        institutions: 7,
    },
    District {
        key: "schwaebisch_hall",
        youth_office: "Jugendamt Landkreis Schwäbisch Hall",
        municipality_key: "08127000",
        domain: "landkreis-schwaebisch-hall.example",
        seat: town("Schwäbisch Hall", "Schwäbisch Hall", "74523", "791"),
        towns: &[
            town("Schwäbisch Hall", "Schwäbisch Hall", "74523", "791"),
            town("Crailsheim", "Crailsheim", "74564", "7951"),
            town("Gaildorf", "Gaildorf", "74405", "7971"),
            town("Gerabronn", "Gerabronn", "74582", "7952"),
            town("Blaufelden", "Blaufelden", "74572", "7953"),
            town("Ilshofen", "Ilshofen", "74532", "7904"),
        ],
        institutions: 8,
    },
    District {
        key: "main_tauber_kreis",
        youth_office: "Jugendamt Main-Tauber-Kreis",
        municipality_key: "08128000",
        domain: "main-tauber-kreis.example",
        seat: town("Tauberbischofsheim", "Tauberbischofsheim", "97941", "9341"),
        towns: &[
            town("Tauberbischofsheim", "Tauberbischofsheim", "97941", "9341"),
            town("Bad Mergentheim", "Bad Mergentheim", "97980", "7931"),
            town("Wertheim", "Wertheim", "97877", "9342"),
            town("Lauda-Königshofen", "Lauda-Königshofen", "97922", "9343"),
            town("Boxberg", "Boxberg", "97944", "7930"),
            town("Creglingen", "Creglingen", "97993", "7933"),
            town("Külsheim", "Külsheim", "97900", "9345"),
        ],
        institutions: 7,
    },
];

/// Umbrella carriers with their weight and the name patterns of their institutions.
const CARRIERS: [(Option<&str>, usize, &[&str]); 5] = [
    (
        Some("Diakonie Württemberg"),
        30,
        &[
            "Evangelische Jugendhilfe {town}",
            "Diakonisches Kinder- und Jugendhaus {town}",
            "Evangelisches Kinderheim {town}",
        ],
    ),
    (
        Some("Caritas"),
        20,
        &[
            "Caritas-Jugendhilfe {town}",
            "Kinderhaus St. Josef {town}",
            "Jugendhilfezentrum St. Elisabeth {town}",
        ],
    ),
    (
        Some("Paritätischer"),
        15,
        &[
            "Jugendhilfeverbund {town}",
            "Sozialpädagogische Wohngruppen {town}",
            "Kinder- und Familienzentrum {town}",
        ],
    ),
    (
        Some("AWO"),
        15,
        &["AWO Jugendhilfe {town}", "AWO Familienhilfe {town}"],
    ),
    (
        None,
        20,
        &[
            "Kinder- und Jugendhilfe {town}",
            "Heilpädagogische Tagesgruppe {town}",
            "Jugendwohngemeinschaft {town}",
            "Erziehungshilfe {town}",
        ],
    ),
];

const STREETS: &[&str] = &[
    "Hauptstraße",
    "Bahnhofstraße",
    "Schillerstraße",
    "Goethestraße",
    "Kirchgasse",
    "Lindenweg",
    "Am Stadtgarten",
    "Mühlweg",
    "Schulstraße",
    "Gartenstraße",
    "Friedrichstraße",
    "Wilhelmstraße",
    "Rosenstraße",
    "Uhlandstraße",
    "Mörikeweg",
    "Talstraße",
    "Kelterstraße",
    "Weinbergweg",
    "Am Kocher",
    "Tauberstraße",
];

pub(crate) const GIVEN_NAMES: &[&str] = &[
    "Anna",
    "Lena",
    "Sophie",
    "Marie",
    "Julia",
    "Katharina",
    "Sabine",
    "Petra",
    "Claudia",
    "Miriam",
    "Aylin",
    "Elif",
    "Natalia",
    "Ewa",
    "Ingrid",
    "Hannah",
    "Lea",
    "Carla",
    "Özlem",
    "Zeynep",
    "Thomas",
    "Michael",
    "Stefan",
    "Andreas",
    "Markus",
    "Jan",
    "Tobias",
    "Florian",
    "Daniel",
    "Jonas",
    "Lukas",
    "Mehmet",
    "Dragan",
    "Luca",
    "Matthias",
    "Frank",
    "Jürgen",
    "Klaus",
    "Sven",
    "Björn",
];

pub(crate) const FAMILY_NAMES: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hartmann",
    "Lange",
    "Werner",
    "Krause",
    "Lehmann",
    "Köhler",
    "Maier",
    "Huber",
    "Kaiser",
    "Fuchs",
    "Vogel",
    "Keller",
    "Günther",
    "Roth",
    "Beck",
    "Lorenz",
    "Baumann",
    "Yılmaz",
    "Kaya",
    "Nowak",
    "Kowalski",
    "Popescu",
    "Rossi",
    "Nguyen",
    "Haas",
    "Ziegler",
    "Seitz",
];

/// The demo data, always the same.
pub fn plan() -> Vec<OrgPlan> {
    let mut rng = Rng(SEED);
    let mut orgs = Vec::new();

    for district in &DISTRICTS {
        let mut org = organization(
            &mut rng,
            OrgKind::YouthOffice,
            district.youth_office,
            Some(district.key),
            None,
            &district.seat,
            Some(format!("jugendamt@{}", district.domain)),
            json!({ "municipality_key": district.municipality_key }),
        );
        org.agreements = vec![
            cooperation(&mut rng, &org),
            quality_development(&mut rng, &org),
        ];
        orgs.push(org);
    }

    orgs.push(organization(
        &mut rng,
        OrgKind::StateYouthOffice,
        "KVJS Landesjugendamt",
        None,
        None,
        &town("Stuttgart", "Stuttgart", "70176", "711"),
        Some("landesjugendamt@kvjs.example".to_string()),
        json!({}),
    ));
    orgs.push(organization(
        &mut rng,
        OrgKind::EducationProvider,
        "JuCon / Diakonische Jugendhilfe Heilbronn",
        Some("stadt_heilbronn"),
        // Only institutions have an umbrella carrier.
        None,
        &town("Heilbronn", "Heilbronn", "74072", "7131"),
        Some("jucon@diakonie-heilbronn.example".to_string()),
        json!({}),
    ));

    let mut names = BTreeSet::new();
    let mut institutions = Vec::new();
    for district in &DISTRICTS {
        for i in 0..district.institutions {
            // Walk the district's towns from a random start so all of them get some.
            let town = &district.towns[(i + rng.below(2)) % district.towns.len()];
            let (carrier, name) = institution_name(&mut rng, town, &mut names);
            let facility_id = format!("E-{:05}", 10_000 + rng.below(90_000));
            institutions.push(organization(
                &mut rng,
                OrgKind::Institution,
                &name,
                Some(district.key),
                carrier,
                town,
                Some(format!("info@{}.example", slug(&name))),
                json!({ "kvjs_facility_id": facility_id }),
            ));
        }
    }

    // A few institutions have no valid agreement: three never signed one, one terminated.
    let mut order: Vec<usize> = (0..institutions.len()).collect();
    for i in (1..order.len()).rev() {
        let j = rng.below(i + 1);
        order.swap(i, j);
    }
    let without: BTreeSet<usize> = order.iter().take(3).copied().collect();
    let terminated = order.get(3).copied();
    for (i, org) in institutions.iter_mut().enumerate() {
        if without.contains(&i) {
            continue;
        }
        let mut cooperation = cooperation(&mut rng, org);
        if Some(i) == terminated {
            cooperation.termination = Some(json!({
                "terminated_on": "2023-06-30",
                "reason": "Einrichtung zum 30.06.2023 geschlossen",
            }));
            org.agreements.push(cooperation);
            continue;
        }
        org.agreements.push(cooperation);
        if rng.chance(80) {
            let quality = quality_development(&mut rng, org);
            org.agreements.push(quality);
        }
    }
    orgs.extend(institutions);
    orgs
}

#[allow(clippy::too_many_arguments)]
fn organization(
    rng: &mut Rng,
    kind: OrgKind,
    name: &str,
    district: Option<&str>,
    umbrella_carrier: Option<&str>,
    town: &Town,
    email: Option<String>,
    external_ids: Value,
) -> OrgPlan {
    let street = format!("{} {}", rng.pick(STREETS), 1 + rng.below(120));
    let phone = format!("+49 {} {}", town.area_code, 10_000 + rng.below(890_000));
    let domain = email
        .as_deref()
        .and_then(|e| e.split_once('@'))
        .map(|(_, d)| d.to_string())
        .unwrap_or_else(|| format!("{}.example", slug(name)));
    let body = json!({
        "name": name,
        "kind": kind.as_str(),
        "district": district,
        "umbrella_carrier": umbrella_carrier,
        "address": {
            "street": street,
            "postal_code": town.postal_code,
            "city": town.city,
        },
        "email": email,
        "phone": phone,
        "external_ids": external_ids,
    });
    let people = staff(rng, kind, &domain, &phone);
    OrgPlan {
        kind,
        body,
        people,
        agreements: Vec::new(),
    }
}

fn institution_name(
    rng: &mut Rng,
    town: &Town,
    taken: &mut BTreeSet<String>,
) -> (Option<&'static str>, String) {
    let total: usize = CARRIERS.iter().map(|(_, weight, _)| weight).sum();
    let mut last = (None, String::new());
    for _ in 0..30 {
        let mut roll = rng.below(total);
        let mut chosen = &CARRIERS[0];
        for carrier in &CARRIERS {
            if roll < carrier.1 {
                chosen = carrier;
                break;
            }
            roll -= carrier.1;
        }
        let name = rng.pick(chosen.2).replace("{town}", town.label);
        if taken.insert(name.clone()) {
            return (chosen.0, name);
        }
        last = (chosen.0, name);
    }
    // Every pattern is taken in this town: a second site.
    let name = format!("{} – Außenstelle", last.1);
    taken.insert(name.clone());
    (last.0, name)
}

fn staff(rng: &mut Rng, kind: OrgKind, domain: &str, org_phone: &str) -> Vec<Map<String, Value>> {
    let count = 2 + rng.below(4);
    let mut emails = BTreeSet::new();
    let mut people = Vec::new();
    for i in 0..count {
        let given = *rng.pick(GIVEN_NAMES);
        let family = *rng.pick(FAMILY_NAMES);
        let functions: Vec<&str> = match (kind, i) {
            (_, 0) => vec!["leader"],
            (OrgKind::EducationProvider, _) => vec!["trainer"],
            (OrgKind::YouthOffice, 1) => vec!["qmf_coordinator"],
            (OrgKind::YouthOffice, _) => vec!["caseworker"],
            (OrgKind::StateYouthOffice, 1) => vec!["qmf_coordinator", "specialist"],
            (OrgKind::StateYouthOffice, _) => vec!["specialist"],
            (OrgKind::Institution, 1) if rng.chance(50) => vec!["qmf_coordinator", "specialist"],
            (OrgKind::Institution, 1) => vec!["qmf_coordinator"],
            (OrgKind::Institution, _) => vec!["specialist"],
        };
        let local = format!("{}.{}", slug(given), slug(family)).replace('-', "");
        let mut email = format!("{local}@{domain}");
        let mut n = 2;
        while !emails.insert(email.clone()) {
            email = format!("{local}{n}@{domain}");
            n += 1;
        }
        let phone = rng.chance(60).then(|| format!("{org_phone}-{}", 10 + i));
        let mut person = Map::new();
        person.insert("given_name".into(), json!(given));
        person.insert("family_name".into(), json!(family));
        person.insert("email".into(), json!(email));
        person.insert("phone".into(), json!(phone));
        person.insert("functions".into(), json!(functions));
        person.insert(
            "active_from".into(),
            json!(rng.date(2012, 2024).to_string()),
        );
        person.insert("active_until".into(), Value::Null);
        people.push(person);
    }
    people
}

/// The leader signs, named with their function as the directory asks for.
fn signatory(org: &OrgPlan) -> String {
    let function = match org.kind {
        OrgKind::YouthOffice | OrgKind::StateYouthOffice => "Amtsleitung",
        OrgKind::EducationProvider => "Geschäftsführung",
        OrgKind::Institution => "Einrichtungsleitung",
    };
    match org.people.first() {
        Some(leader) => format!(
            "{} {}, {function}",
            leader["given_name"].as_str().unwrap_or_default(),
            leader["family_name"].as_str().unwrap_or_default()
        ),
        None => function.to_string(),
    }
}

fn agreement(kind: &str, signed_on: Date, signed_by: String) -> AgreementPlan {
    let mut body = Map::new();
    body.insert("kind".into(), json!(kind));
    body.insert("signed_on".into(), json!(signed_on.to_string()));
    body.insert("signed_by".into(), json!(signed_by));
    AgreementPlan {
        body,
        termination: None,
    }
}

/// Cooperation agreements could only be signed before 2021.
fn cooperation(rng: &mut Rng, org: &OrgPlan) -> AgreementPlan {
    agreement(
        "cooperation_agreement",
        rng.date(2014, 2020),
        signatory(org),
    )
}

/// Quality development agreements replaced them from 2021.
fn quality_development(rng: &mut Rng, org: &OrgPlan) -> AgreementPlan {
    agreement(
        "quality_development_agreement",
        rng.date(2021, 2024),
        signatory(org),
    )
}

/// Lower-case ASCII with German transliteration, words joined by `-`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.to_lowercase().chars() {
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            'ı' => out.push('i'),
            'é' | 'è' => out.push('e'),
            'ç' => out.push('c'),
            'ş' => out.push('s'),
            'ğ' => out.push('g'),
            c if c.is_ascii_alphanumeric() => out.push(c),
            _ => {
                if !out.is_empty() && !out.ends_with('-') {
                    out.push('-');
                }
            }
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_is_deterministic_and_plausible() {
        let a = plan();
        let b = plan();
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.body, y.body);
            assert_eq!(x.people, y.people);
        }
        let count = |kind| a.iter().filter(|o| o.kind == kind).count();
        assert_eq!(count(OrgKind::YouthOffice), 5);
        assert_eq!(count(OrgKind::StateYouthOffice), 1);
        assert_eq!(count(OrgKind::EducationProvider), 1);
        assert_eq!(count(OrgKind::Institution), 40);
        let names: BTreeSet<_> = a.iter().map(|o| o.body["name"].to_string()).collect();
        assert_eq!(names.len(), a.len(), "organisation names are unique");
        for org in &a {
            assert!((2..=5).contains(&org.people.len()));
            for agreement in &org.agreements {
                let signed = agreement.body["signed_on"].as_str().unwrap_or_default();
                match agreement.body["kind"].as_str() {
                    Some("cooperation_agreement") => assert!(signed < "2021-01-01"),
                    Some("quality_development_agreement") => assert!(signed >= "2021-01-01"),
                    other => panic!("unexpected kind {other:?}"),
                }
            }
        }
        let institutions = a.iter().filter(|o| o.kind == OrgKind::Institution);
        let without = institutions
            .clone()
            .filter(|o| o.agreements.is_empty())
            .count();
        let terminated: usize = institutions
            .map(|o| {
                o.agreements
                    .iter()
                    .filter(|a| a.termination.is_some())
                    .count()
            })
            .sum();
        assert_eq!((without, terminated), (3, 1));
    }

    #[test]
    fn slug_transliterates() {
        assert_eq!(
            slug("Kinder- und Jugendhilfe Öhringen"),
            "kinder-und-jugendhilfe-oehringen"
        );
        assert_eq!(slug("Yılmaz"), "yilmaz");
    }
}
