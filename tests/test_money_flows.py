"""Compute commitments, money flows, circular paths and obligations, against values computed
by hand on the synthetic fixture plus a small commitments file.

Flows already in the fixture's funding: ChipCo → Lab A, $1B of a closed round and $2B of
announced vendor financing (one $3B edge, binding). The commitments below add:

    c1  Lab A  → CloudCo  cloud, $12B, 2025-01-01 for 24 months (straight line: 6 + 6)
    c2  CloudCo → ChipCo  chips, $5B, schedule 2025: 2, 2026: 3
    c3  Lab A  → ChipCo   chips, $1B, a letter of intent, 2025 (12 months)
    c4  Lab B  → NeoCo    cloud, $4B, 2025-03-01 for 12 months (306 days in 2025, 59 in 2026)
    c5  Lab B  → NeoCo    cloud, $3B, superseded by c4: in no flow and no total
    c6  NeoCo  → CloudCo  data-centre lease, $2B, 2025
    c7  ChipCo → Lab B    warrants for a purchase, worth $0.5B (equity flows from ChipCo)

Cycles, each listed once from ChipCo (alphabetically first):
    ChipCo → Lab A → ChipCo                       min(3, 1) = 1, needs the letter of intent
    ChipCo → Lab A → CloudCo → ChipCo             min(3, 12, 5) = 3, binding
    ChipCo → Lab B → NeoCo → CloudCo → ChipCo     min(0.5, 4, 2, 5) = 0.5, binding
"""

import pytest

from helpers import MINI_INPUT, copy_input, materialize_everything, query

B = 1e9

COMMITMENTS = """commitment_id,buyer,seller,kind,amount_high,currency,unit,announced_date,start_date,term_months,end_date,payment_schedule,status,binding,superseded_by,source_publication
c1,Lab A,CloudCo,cloud_capacity,12,USD,billion,2025-01-01,,24,,,definitive,,,synthetic test fixture
c2,CloudCo,ChipCo,chip_purchase,5,USD,billion,2025-04-01,,,,2025:2;2026:3,definitive,,,synthetic test fixture
c3,LabA,Chip Co,chip_purchase,1,USD,billion,2025-01-01,,12,,,loi,,,synthetic test fixture
c4,Lab B,NeoCo,cloud_capacity,4,USD,billion,2025-03-01,,12,,,definitive,true,,synthetic test fixture
c5,Lab B,NeoCo,cloud_capacity,3,USD,billion,2025-02-01,,12,,,definitive,,c4,synthetic test fixture
c6,NeoCo,CloudCo,datacenter_lease,2,USD,billion,2025-01-01,,,2025-12-31,,definitive,,,synthetic test fixture
c7,Lab B,ChipCo,equity_for_purchase,0.5,USD,billion,2025-03-01,,,,,announced,,,synthetic test fixture
"""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    folder = copy_input(MINI_INPUT, tmp_path_factory.mktemp("flows") / "input")
    (folder / "compute_commitments.csv").write_text(COMMITMENTS)
    with (folder / "reference" / "company_aliases.csv").open("a") as handle:
        handle.write("CloudCo,Cloud Co,hyperscaler,true,synthetic test fixture\nNeoCo,,neocloud,true,synthetic test fixture\n")
    db = folder.parent / "w.duckdb"
    materialize_everything(db, folder, "2025-09-30")
    return db


def test_commitments_are_staged_with_canonical_names_binding_and_term(warehouse):
    rows = {r["commitment_id"]: r for r in query(warehouse, "select * from staging.compute_commitments")}
    assert sorted(rows) == ["c1", "c2", "c3", "c4", "c5", "c6", "c7"]
    assert (rows["c3"]["buyer"], rows["c3"]["seller"], rows["c3"]["binding"]) == ("Lab A", "ChipCo", False)
    assert rows["c1"]["binding"] is True and str(rows["c1"]["end_date"]) == "2026-12-31"
    assert rows["c2"]["payment_schedule_usd"] == [{"year": 2025, "usd": 2 * B}, {"year": 2026, "usd": 3 * B}]
    assert rows["c1"]["amount_usd_mid"] == 12 * B


def test_money_flows_hold_vendor_money_and_commitments_but_not_superseded_ones(warehouse):
    flows = query(
        warehouse, "select from_company, to_company, flow_kind, source_id, amount_usd_mid, binding from marts.money_flows"
    )
    ids = {f["source_id"] for f in flows}
    assert "c5" not in ids and {"c1", "c2", "c3", "c4", "c6", "c7", "a-r1-equity", "a-r2-vendor"} <= ids
    warrant = next(f for f in flows if f["source_id"] == "c7")
    assert (warrant["from_company"], warrant["to_company"], warrant["flow_kind"]) == ("ChipCo", "Lab B", "equity_for_purchase")
    vendor = sum(f["amount_usd_mid"] for f in flows if (f["from_company"], f["to_company"]) == ("ChipCo", "Lab A"))
    assert vendor == pytest.approx(3 * B)


def test_circular_flows_by_hand(warehouse):
    cycles = {r["path"]: r for r in query(warehouse, "select * from marts.circular_flows")}
    assert set(cycles) == {
        "ChipCo → Lab A → ChipCo",
        "ChipCo → Lab A → CloudCo → ChipCo",
        "ChipCo → Lab B → NeoCo → CloudCo → ChipCo",
    }
    two, three, four = (cycles[p] for p in sorted(cycles, key=lambda p: p.count("→")))
    assert (two["hops"], two["returning_usd_mid"], two["binding_only"]) == (2, pytest.approx(1 * B), False)
    assert (three["hops"], three["returning_usd_mid"], three["binding_only"]) == (3, pytest.approx(3 * B), True)
    assert three["returning_binding_usd_mid"] == pytest.approx(3 * B)
    assert (four["hops"], four["returning_usd_mid"], four["binding_only"]) == (4, pytest.approx(0.5 * B), True)


def test_obligations_follow_the_schedule_else_the_term_and_keep_letters_of_intent_apart(warehouse):
    rows = {(r["company"], r["year"]): r for r in query(warehouse, "select * from marts.obligations")}
    assert rows[("Lab A", 2025)]["committed_usd_mid"] == pytest.approx(6 * B)
    assert rows[("Lab A", 2025)]["committed_incl_loi_usd_mid"] == pytest.approx(7 * B)
    assert rows[("Lab A", 2026)]["committed_usd_mid"] == pytest.approx(6 * B)
    assert rows[("CloudCo", 2025)]["committed_usd_mid"] == pytest.approx(2 * B)
    assert rows[("CloudCo", 2026)]["committed_usd_mid"] == pytest.approx(3 * B)
    # c4 only (c5 was superseded by it): 306 of 365 days in 2025, 59 in 2026
    assert rows[("Lab B", 2025)]["committed_usd_mid"] == pytest.approx(4 * B * 306 / 365)
    assert rows[("Lab B", 2026)]["committed_usd_mid"] == pytest.approx(4 * B * 59 / 365)


def test_runway_with_commitments_pays_them_at_their_average_monthly_amount(warehouse):
    runway = {r["scenario"]: r for r in query(warehouse, "select * from marts.runway where company = 'Lab A'")}
    base = runway["base"]
    # binding commitments from the cash date's year (2025) on: 6 + 6 = $12B over 24 months
    assert base["committed_spend_usd"] == pytest.approx(12 * B)
    assert base["monthly_committed_spend_usd"] == pytest.approx(0.5 * B)
    funds = base["cash_usd"] + base["committed_funding_usd"]
    assert base["runway_months_with_commitments"] == pytest.approx(funds / (base["monthly_net_burn_usd"] + 0.5 * B))
    assert base["runway_months_with_commitments"] < base["runway_months"]
    assert base["commitments_exceed_funds_usd"] == pytest.approx(max(12 * B - funds, 0))


def test_a_bad_commitment_is_quarantined_with_its_reason(tmp_path):
    folder = copy_input(MINI_INPUT, tmp_path / "input")
    (folder / "compute_commitments.csv").write_text(
        COMMITMENTS.splitlines()[0]
        + "\n"
        + "\n".join(
            [
                "x1,Lab A,Lab A,cloud_capacity,1,USD,billion,2025-01-01,,,,,definitive,,,synthetic",
                "x2,Lab A,ChipCo,cloud_capacity,1,USD,billion,2025-01-01,,,,,loi,true,,synthetic",
                "x3,Lab A,ChipCo,cloud_capacity,1,USD,billion,2025-01-01,,12,2024-01-01,,definitive,,,synthetic",
                "x4,Lab A,ChipCo,cloud_capacity,1,USD,billion,2025-01-01,,,,2025:3,definitive,,,synthetic",
                "x5,Lab A,ChipCo,rental,1,USD,billion,2025-01-01,,,,,definitive,,,synthetic",
            ]
        )
        + "\n"
    )
    db = tmp_path / "w.duckdb"
    materialize_everything(db, folder, "2025-09-30")
    reasons = {
        r["row_number"]: r["reason"]
        for r in query(db, "select row_number, reason from quarantine.rejected_rows where entity = 'compute_commitments'")
    }
    assert "buyer and seller are the same company" in reasons[2]
    assert "a letter of intent (status loi) is not binding" in reasons[3]
    assert "the commitment ends before it starts" in reasons[4]
    assert "payment_schedule adds up to more than the commitment's amount" in reasons[5]
    assert "kind" in reasons[6] and "rental" in reasons[6]
    recon = query(db, "select * from audit.reconciliation where entity = 'compute_commitments'")
    assert [(r["rows_read"], r["rows_loaded"], r["rows_quarantined"]) for r in recon] == [(5, 0, 5)]


def test_on_the_bundled_data_money_comes_back_and_commitments_shorten_openais_runway(bundled_warehouse):
    staged = query(
        bundled_warehouse,
        "select count(*) as n, count(source_url) + count(source_publication) as s from staging.compute_commitments",
    )
    assert staged[0]["n"] >= 30
    paths = [r["path"] for r in query(bundled_warehouse, "select path from marts.circular_flows")]
    assert any("NVIDIA" in p and "OpenAI" in p for p in paths), paths
    assert any("NVIDIA" in p and "xAI" in p for p in paths), paths
    runway = query(bundled_warehouse, "select * from marts.runway where company = 'OpenAI' and scenario = 'base'")[0]
    assert runway["runway_months_with_commitments"] < runway["runway_months"]
    # no letter of intent in a binding total: NVIDIA's 10 GW letter and the Broadcom one are not binding
    lois = query(bundled_warehouse, "select binding from marts.money_flows where status = 'loi'")
    assert lois and not any(r["binding"] for r in lois)


LINKED_FUNDING = """event_id,company,round_id,announced_date,instrument,amount_high,amount_qualifier,currency,unit,investors,vendor_investor,status,binding,part_of,superseded_by,source_publication
l-loi,Lab B,l-loi-r,2025-02-10,equity,4,up_to,USD,billion,ChipCo,ChipCo,announced,false,,l-final,synthetic test fixture
l-final,Lab B,l-r,2025-04-01,equity,3,,USD,billion,Fund X; ChipCo,,closed,,,,synthetic test fixture
l-part,Lab B,l-part-r,2025-03-01,equity,1,,USD,billion,ChipCo,ChipCo,announced,,l-final,,synthetic test fixture
l-intent,Lab B,l-intent-r,2025-05-01,equity,2,,USD,billion,Fund X,,announced,false,,,synthetic test fixture
"""


def test_no_money_counted_twice_and_letters_of_intent_kept_apart(tmp_path):
    """l-loi (a $4B letter of intent from ChipCo) was replaced by l-final ($3B closed):
    it counts nowhere. l-part ($1B from ChipCo) is inside l-final's amount: it counts once,
    as l-final's money, and as $1B of vendor money in l-final's round. l-intent ($2B, not
    binding) is in the columns that include letters of intent only."""
    folder = copy_input(MINI_INPUT, tmp_path / "input")
    (folder / "funding_events_links.csv").write_text(LINKED_FUNDING)
    db = tmp_path / "w.duckdb"
    materialize_everything(db, folder, "2025-09-30")
    eur = query(db, "select amount_usd_mid from staging.funding_events where event_id = 'b-r1-equity'")[0]["amount_usd_mid"]

    lab_b = query(db, "select * from marts.leverage where company = 'Lab B'")[0]
    assert lab_b["equity_usd_mid"] == pytest.approx(eur + 3 * B + 2 * B)
    assert lab_b["equity_binding_usd_mid"] == pytest.approx(eur + 3 * B)
    assert lab_b["vendor_usd_mid"] == pytest.approx(1 * B) and lab_b["vendor_binding_usd_mid"] == pytest.approx(1 * B)

    rounds = {r["round_id"]: r for r in query(db, "select * from marts.leverage_rounds where company = 'Lab B'")}
    assert "l-loi-r" not in rounds and "l-part-r" not in rounds
    final = rounds["l-r"]
    assert (final["equity_usd_mid"], final["vendor_usd_mid"], final["tranche_count"]) == (3 * B, 1 * B, 1)
    assert final["vendor_share_of_equity_mid"] == pytest.approx(1 / 3)
    assert rounds["l-intent-r"]["equity_usd_mid"] == 2 * B and rounds["l-intent-r"]["equity_binding_usd_mid"] == 0

    runway = query(db, "select * from marts.runway where company = 'Lab B' and scenario = 'base'")[0]
    # after the cash date (2025-01-31): b-r1-equity and l-final, and l-intent with intents
    assert runway["committed_funding_usd"] == pytest.approx(eur + 3 * B)
    assert runway["committed_funding_incl_loi_usd"] == pytest.approx(eur + 5 * B)

    flows = {f["source_id"]: f for f in query(db, "select * from marts.money_flows where to_company = 'Lab B'")}
    assert "l-loi" not in flows and flows["l-part"]["amount_usd_mid"] == 1 * B
