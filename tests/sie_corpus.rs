//! Reads all 40 files of the real SIE corpus (`../shared/sie-corpus`, see its `SOURCES.md`) and
//! checks the parser against numbers established without it: the counts of the SOURCES.md table
//! (hand-checked constants) and a deliberately simple second reader (`sie_corpus/simple.rs`:
//! plain string splitting, no nom, no code shared with the parser). Files that are broken on
//! purpose must produce exactly the expected diagnostics.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "sie_corpus/consistency.rs"]
mod consistency;
#[path = "sie_corpus/contents.rs"]
mod contents;
#[path = "sie_corpus/simple.rs"]
mod simple;

use std::path::PathBuf;

/// One row of the SOURCES.md table: record counts as measured when the corpus was collected.
struct Entry {
    name: &'static str,
    encoding: &'static str,
    ver: usize,
    trans: usize,
    rtrans: usize,
    btrans: usize,
    ksumma: bool,
}

#[rustfmt::skip]
const CORPUS: &[Entry] = &[
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__BL0001_typ4.SE", encoding: "cp437", ver: 84, trans: 405, rtrans: 6, btrans: 3, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__BL0001_typ4I.SI", encoding: "cp437", ver: 1, trans: 10, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__BL0001_typ3.SE", encoding: "cp437", ver: 0, trans: 0, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__Bokslut Norstedts SIE 4E.se", encoding: "cp437", ver: 177, trans: 678, rtrans: 0, btrans: 0, ksumma: true },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__Norstedts Bokslut SIE 4I.si", encoding: "cp437", ver: 2, trans: 4, rtrans: 0, btrans: 0, ksumma: true },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__Norstedts Bokslut SIE 1.se", encoding: "cp437", ver: 0, trans: 0, rtrans: 0, btrans: 0, ksumma: true },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__SIE4.se", encoding: "cp437", ver: 286, trans: 949, rtrans: 0, btrans: 0, ksumma: true },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__SIE_2.se", encoding: "cp437", ver: 0, trans: 0, rtrans: 0, btrans: 0, ksumma: true },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__MAMUT_SIE4_EXPORT.SE", encoding: "cp437", ver: 168, trans: 458, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__Sie4.se", encoding: "cp437", ver: 194, trans: 963, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__Sie4.si", encoding: "cp437", ver: 165, trans: 869, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__Test4.SE", encoding: "cp437", ver: 167, trans: 1464, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__transaktioner_ovnbolag.se", encoding: "cp437", ver: 163, trans: 671, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__urval_ovnbolag.si", encoding: "cp437", ver: 16, trans: 51, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__objektsaldo_ovnbolag.se", encoding: "cp437", ver: 0, trans: 0, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__sie 4.SE", encoding: "cp437", ver: 20, trans: 76, rtrans: 1, btrans: 1, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__typ4.se", encoding: "cp437", ver: 81, trans: 287, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__magenta_bokföring_SIE4E.se", encoding: "cp437", ver: 19, trans: 84, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__SIE_exempelfil.se", encoding: "cp437", ver: 26, trans: 148, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__Exempelbolaget_SIE_110322_B_33.si", encoding: "cp437", ver: 13, trans: 91, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__LON Lönekörning.SI", encoding: "cp437", ver: 1, trans: 25, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__SIE4 Visma Anläggningsregister.si", encoding: "cp437", ver: 1, trans: 18, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__si.SI", encoding: "cp437", ver: 47, trans: 128, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__live2011.se", encoding: "cp437", ver: 3, trans: 12, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__tests__Sie4__integration__files__XE_SIE_4_20151125095119.SE", encoding: "cp437", ver: 65, trans: 248, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "idstam__jsisie__sie_test_files__Sie4.se", encoding: "cp437", ver: 70, trans: 260, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "Alipsa__SIEParser__src__test__resources__samples__9_sie-gruppen-e-conomic.se", encoding: "cp437", ver: 57, trans: 160, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "t4t5__sie-parser__tests__fixtures__sample.se", encoding: "cp437", ver: 295, trans: 1330, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "jokedst__SieFile__SieFileFormat__SIE4 Exempelfil.SE", encoding: "cp437", ver: 295, trans: 1330, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "idstam__jsisie__sie_test_files__SIE4_Exempelfil_med_underdim.SE", encoding: "cp437", ver: 295, trans: 1330, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "blinfo__Sie4j__src__test__resources__sample__Sie från Fortnox ej alla verifikat.se", encoding: "cp437", ver: 2324, trans: 8597, rtrans: 203, btrans: 104, ksumma: false },
    Entry { name: "kjelloh__cratchit__test__TheITfiedAB20220812_165817.se", encoding: "cp437", ver: 134, trans: 368, rtrans: 11, btrans: 12, ksumma: false },
    Entry { name: "kjelloh__cratchit__src__sie__test__sie1.se", encoding: "latin-1", ver: 1, trans: 6, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "asteinarson__sie-import__se__20140901-20150831.se", encoding: "cp437", ver: 58, trans: 148, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "asteinarson__sie-import__se__20140901-20150831_utf8.se", encoding: "utf-8", ver: 58, trans: 148, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "blinfo__Sie4j__src__test__resources__sample__Arousells_Visning_AB.SE", encoding: "cp437", ver: 10, trans: 83, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "blinfo__Sie4j__src__test__resources__sample__BLBLOV_SIE4_ISO_8859_15.SI", encoding: "latin-1", ver: 2, trans: 6, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "blinfo__Sie4j__src__test__resources__sample__Transaktioner per Z-rapport.se", encoding: "cp437", ver: 10, trans: 83, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "wilhelmuggla__sie4sdk__test__Sie4I_files__Sie4I1ksumma.SI", encoding: "utf-8", ver: 5, trans: 12, rtrans: 0, btrans: 0, ksumma: true },
    Entry { name: "neam__php-sie__tests___data__fixtures__sie_file_with_unknown_entries.se", encoding: "ascii", ver: 2, trans: 5, rtrans: 0, btrans: 0, ksumma: false },
];

fn corpus_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/sie-corpus");
    assert!(
        dir.is_dir(),
        "the SIE corpus folder `{}` is missing: this test needs the 40 real SIE files of \
         shared/sie-corpus beside the repository (it must not be skipped)",
        dir.display()
    );
    dir
}

fn read(name: &str) -> Vec<u8> {
    let path = corpus_dir().join(name);
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("cannot read corpus file `{}`: {e}", path.display()))
}

fn entry(name: &str) -> &'static Entry {
    CORPUS
        .iter()
        .find(|e| e.name.contains(name))
        .unwrap_or_else(|| panic!("no corpus entry `{name}`"))
}
