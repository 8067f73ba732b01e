-- nadzor store schema. Documented column by column in docs/schema.md (a test keeps the two in step).
-- Every model row carries source_id (sha256 of the archived file) and locator (where in that file it came from).

-- Facts about the store itself (schema_version).
CREATE TABLE IF NOT EXISTS meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR
);

-- One row per archived input file.
CREATE TABLE IF NOT EXISTS sources (
    source_id VARCHAR PRIMARY KEY,      -- sha256 of the file's bytes, as archived
    original_path VARCHAR,              -- the path (or '-' for stdin) it was ingested from, first time seen
    archived_path VARCHAR,              -- path of the archived copy, relative to the archive folder
    size BIGINT,
    media_type VARCHAR,                 -- e.g. application/json, application/x-ndjson, application/gzip
    encoding VARCHAR,                   -- the text encoding it was decoded with
    format VARCHAR,                     -- release_package, record_package, release, compiled_release, ...
    adapter VARCHAR,                    -- which adapter read it (ocds, ted, spreadsheet:<mapping>, ...)
    publisher VARCHAR,
    licence VARCHAR,
    published_date VARCHAR,
    ocds_version VARCHAR,
    origin_url VARCHAR,                 -- where it was downloaded from, when known
    retrieved_at TIMESTAMPTZ,           -- when it was retrieved from its origin, when known
    ingested_at TIMESTAMPTZ,
    status VARCHAR,                     -- complete (skipped on re-ingest) or loading (an OCDS file being staged; removed on open if a kill left it)
    n_releases BIGINT,
    n_quarantined BIGINT,
    n_warnings BIGINT
);

-- Every release, compiled release or versioned release ingested, as published. A line of an uncompressed JSON-lines
-- file is kept by reference (data_offset, data_length into the archived file); anything else in data.
CREATE TABLE IF NOT EXISTS releases (
    release_key VARCHAR PRIMARY KEY,    -- release:ocid:release id; compiled and versioned: kind:ocid:first 16 hex of content_hash
    ocid VARCHAR NOT NULL,
    release_id VARCHAR,
    kind VARCHAR NOT NULL,              -- release | compiled | versioned
    date VARCHAR,
    tag VARCHAR[],
    content_hash VARCHAR NOT NULL,      -- md5 of the text as published (a clash is re-checked by comparing the parsed JSON)
    data JSON,                          -- the release as stored (after the OCDS 1.0 -> 1.1 upgrade when needed); NULL when kept by reference (data_offset)
    upgraded_from VARCHAR,              -- '1.0' when ocdskit upgraded it
    source_id VARCHAR NOT NULL,
    locator VARCHAR NOT NULL,
    data_offset BIGINT,                 -- byte offset of the release's line in the archived file (source_id) when its text is kept there, byte for byte, instead of in data
    data_length BIGINT                  -- length in bytes of that line (without its newline); read through Store.release_texts
);

CREATE TABLE IF NOT EXISTS pending_processes (
    ocid VARCHAR                        -- processes with new releases, not yet rebuilt (an interrupted run)
);

CREATE TABLE IF NOT EXISTS unfetched_releases (
    ocid VARCHAR,
    url VARCHAR,
    source_id VARCHAR,
    locator VARCHAR
);

-- One row per contracting process (ocid): its compiled release and the fields most questions need.
CREATE TABLE IF NOT EXISTS processes (
    ocid VARCHAR PRIMARY KEY,
    compiled JSON,                      -- the compiled release (ocdsmerge), or NULL when it is a stored compiled release
    compiled_from VARCHAR,              -- release_key of the stored compiled release used as is, or 'merged'
    release_count INTEGER,
    date VARCHAR,
    title VARCHAR,
    description VARCHAR,
    status VARCHAR,                     -- tender/status
    buyer_id VARCHAR,
    buyer_name VARCHAR,
    procuring_entity_id VARCHAR,
    procuring_entity_name VARCHAR,
    procurement_method VARCHAR,
    procurement_method_details VARCHAR,
    main_procurement_category VARCHAR,
    tender_value_amount DOUBLE,
    tender_value_currency VARCHAR,
    tender_start VARCHAR,
    tender_end VARCHAR,
    number_of_tenderers BIGINT,
    award_value_amount DOUBLE,          -- sum of active (or status-less) award values in award_value_currency
    award_value_currency VARCHAR,
    contract_value_amount DOUBLE,
    contract_value_currency VARCHAR,
    language VARCHAR,
    source_id VARCHAR,
    locator VARCHAR
);

CREATE TABLE IF NOT EXISTS lots (
    ocid VARCHAR, lot_id VARCHAR, title VARCHAR, description VARCHAR, status VARCHAR,
    value_amount DOUBLE, value_currency VARCHAR,
    source_id VARCHAR, locator VARCHAR
);

CREATE TABLE IF NOT EXISTS items (
    ocid VARCHAR,
    origin VARCHAR,                     -- tender | lot | award | contract
    parent_id VARCHAR,                  -- lot, award or contract id (NULL for tender items)
    item_id VARCHAR,
    description VARCHAR,
    classification_scheme VARCHAR,
    classification_id VARCHAR,
    classification_description VARCHAR,
    additional_classifications JSON,
    quantity DOUBLE,
    unit_name VARCHAR,
    unit_value_amount DOUBLE,
    unit_value_currency VARCHAR,
    related_lot VARCHAR,
    source_id VARCHAR, locator VARCHAR
);

CREATE TABLE IF NOT EXISTS parties (
    ocid VARCHAR,
    party_id VARCHAR,
    name VARCHAR,
    identifier_scheme VARCHAR,
    identifier_id VARCHAR,
    identifier_legal_name VARCHAR,
    additional_identifiers JSON,
    roles VARCHAR[],
    street_address VARCHAR, locality VARCHAR, region VARCHAR, postal_code VARCHAR, country_name VARCHAR,
    source_id VARCHAR, locator VARCHAR
);

CREATE TABLE IF NOT EXISTS bids (
    ocid VARCHAR, bid_id VARCHAR, bid_index INTEGER, status VARCHAR, date VARCHAR,
    value_amount DOUBLE, value_currency VARCHAR, related_lots VARCHAR[],
    source_id VARCHAR, locator VARCHAR
);

CREATE TABLE IF NOT EXISTS bid_tenderers (
    ocid VARCHAR, bid_id VARCHAR, bid_index INTEGER, tenderer_id VARCHAR, tenderer_name VARCHAR,
    source_id VARCHAR, locator VARCHAR
);

CREATE TABLE IF NOT EXISTS awards (
    ocid VARCHAR, award_id VARCHAR, award_index INTEGER, title VARCHAR, status VARCHAR, date VARCHAR,
    value_amount DOUBLE, value_currency VARCHAR, related_lots VARCHAR[], related_bids VARCHAR[],
    number_of_tenderers BIGINT,         -- per lot award, when the source gives it (e.g. TED)
    source_id VARCHAR, locator VARCHAR
);

CREATE TABLE IF NOT EXISTS award_suppliers (
    ocid VARCHAR, award_id VARCHAR, award_index INTEGER, supplier_id VARCHAR, supplier_name VARCHAR,
    source_id VARCHAR, locator VARCHAR
);

CREATE TABLE IF NOT EXISTS contracts (
    ocid VARCHAR, contract_id VARCHAR, award_id VARCHAR, title VARCHAR, status VARCHAR,
    period_start VARCHAR, period_end VARCHAR, date_signed VARCHAR,
    value_amount DOUBLE, value_currency VARCHAR,
    source_id VARCHAR, locator VARCHAR
);

CREATE TABLE IF NOT EXISTS amendments (
    ocid VARCHAR,
    parent VARCHAR,                     -- tender | award | contract
    parent_id VARCHAR,
    amendment_id VARCHAR, date VARCHAR, rationale VARCHAR, description VARCHAR,
    amends_release_id VARCHAR, release_id VARCHAR,
    source_id VARCHAR, locator VARCHAR
);

CREATE TABLE IF NOT EXISTS documents (
    ocid VARCHAR,
    parent VARCHAR,                     -- planning | tender | award | contract | implementation
    parent_id VARCHAR,
    document_id VARCHAR, document_type VARCHAR, title VARCHAR, description VARCHAR, url VARCHAR,
    format VARCHAR, language VARCHAR, date_published VARCHAR,
    source_id VARCHAR, locator VARCHAR
);

CREATE TABLE IF NOT EXISTS quarantine (
    source_id VARCHAR,
    original_path VARCHAR,
    locator VARCHAR,                    -- line / JSON pointer / row+column of what could not be used
    reason VARCHAR,
    raw VARCHAR,                        -- the raw text, kept
    created_at TIMESTAMPTZ,
    ocid VARCHAR,                       -- when known
    kind VARCHAR                        -- file | line | item | conflict | value
);

CREATE TABLE IF NOT EXISTS warnings (
    source_id VARCHAR,
    original_path VARCHAR,
    locator VARCHAR,
    message VARCHAR,
    created_at TIMESTAMPTZ
);

-- Analysis results (written by `nadzor analyze`; each step replaces its own rows).

CREATE TABLE IF NOT EXISTS findings (
    finding_id VARCHAR,                 -- stable: sha1 of code, subject_type, subject_id, ocid
    code VARCHAR,                       -- R003 ... R058 (Cardinal), NZ01 ... (nadzor)
    indicator_version VARCHAR,
    subject_type VARCHAR,               -- process | buyer | procuring_entity | tenderer | supplier
    subject_id VARCHAR,
    ocid VARCHAR,                       -- for process findings
    value DOUBLE,
    explanation VARCHAR,                -- one sentence a journalist can read; worded as a risk indicator
    evidence JSON,                      -- list of {ocid, source_id, locator, field?}
    details JSON,                       -- indicator-specific extras (thresholds used, components, ...)
    run_at TIMESTAMPTZ
);

CREATE TABLE IF NOT EXISTS classifications (
    ocid VARCHAR PRIMARY KEY,
    is_surveillance BOOLEAN,
    capabilities VARCHAR[],
    vendors VARCHAR[],
    restricted_vendors JSON,            -- [{vendor, list, date, source}]
    classifier_version VARCHAR,
    classified_at TIMESTAMPTZ
);

CREATE TABLE IF NOT EXISTS classification_evidence (
    ocid VARCHAR,
    capability VARCHAR,
    rule VARCHAR,
    field VARCHAR,                      -- e.g. tender/title, tender/items/2/description, awards/0/items/1/classification
    span_start INTEGER,
    span_end INTEGER,
    matched VARCHAR,                    -- the text as published (original script)
    source_id VARCHAR,
    locator VARCHAR
);

CREATE TABLE IF NOT EXISTS entities (
    entity_id VARCHAR PRIMARY KEY,
    name VARCHAR,                       -- display name (most frequent original spelling)
    names VARCHAR[],
    identifiers VARCHAR[],              -- scheme:id
    kind VARCHAR                        -- organisation
);

CREATE TABLE IF NOT EXISTS party_entities (
    ocid VARCHAR,
    party_id VARCHAR,
    entity_id VARCHAR,
    rule VARCHAR,                       -- identifier | normalised_name | fuzzy | decision
    score DOUBLE,
    reason VARCHAR
);

-- Evidence trail (sources helper): camera registry, population, FOI requests, archived documents.

CREATE TABLE IF NOT EXISTS cameras (
    camera_id VARCHAR,                  -- dataset:row (stable within a dataset)
    dataset VARCHAR,                    -- e.g. zagreb-data-gov-hr, mne-eagle-eye, or the file name
    lon DOUBLE,
    lat DOUBLE,
    address VARCHAR,
    area_code VARCHAR,                  -- municipality code when given or matched
    area_name VARCHAR,                  -- municipality / town as given
    cameras INTEGER,                    -- cameras at this point (1 unless the source says more)
    year INTEGER,                       -- installation year when given
    properties JSON,                    -- every other column of the row, kept
    source_id VARCHAR, locator VARCHAR
);

CREATE TABLE IF NOT EXISTS camera_counts (
    area_code VARCHAR,
    area_name VARCHAR,
    cameras BIGINT,
    basis VARCHAR,                      -- foi | contract | registry | manual
    as_of VARCHAR,                      -- date the count refers to
    foi_id VARCHAR,                     -- the FOI request that gave the count
    ocid VARCHAR,                       -- the process whose items gave the count
    note VARCHAR,
    source_id VARCHAR, locator VARCHAR
);

CREATE TABLE IF NOT EXISTS population (
    area_code VARCHAR,
    area_name VARCHAR,
    population BIGINT,
    year INTEGER,
    source VARCHAR,                     -- who published the figure (e.g. census table name)
    source_id VARCHAR, locator VARCHAR
);

CREATE TABLE IF NOT EXISTS foi_requests (
    foi_id VARCHAR PRIMARY KEY,         -- FOI-0001 ...
    country VARCHAR,                    -- rule table key (RS, ...)
    authority VARCHAR,                  -- to whom
    subject VARCHAR,                    -- what was asked
    sent_on DATE,
    channel VARCHAR,                    -- email | post | portal | in person
    urgent BOOLEAN,                     -- life/freedom/health/environment: the short deadline applies
    extended BOOLEAN,                   -- the authority gave notice of the longer deadline
    due_on DATE,                        -- legal deadline computed from the country's rule
    status VARCHAR,                     -- sent | answered | partial | refused | overdue | appealed
    answered_on DATE,
    ocid VARCHAR,                       -- the procurement process it is about, when there is one
    notes VARCHAR,
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ
);

CREATE TABLE IF NOT EXISTS archived_documents (
    sha256 VARCHAR PRIMARY KEY,         -- the archived file (Store.archive_path)
    filename VARCHAR,
    media_type VARCHAR,
    size BIGINT,
    pages INTEGER,
    text VARCHAR,                       -- extracted text as in the document
    text_folded VARCHAR,                -- transliterated, no diacritics, lower case (for search)
    extracted_with VARCHAR,             -- pypdf | python-docx | openpyxl | none
    classification JSON,                -- what nadzor.classify found in the text, when available
    classifier_note VARCHAR,            -- why the classifier did not run, when it did not
    added_at TIMESTAMPTZ
);

CREATE TABLE IF NOT EXISTS document_links (
    sha256 VARCHAR,
    ocid VARCHAR,                       -- a procurement process
    foi_id VARCHAR,                     -- or an FOI request (answer documents)
    note VARCHAR,
    linked_at TIMESTAMPTZ
);

-- Concentration and competition (written by `nadzor analyze`, step nadzor-findings; see nadzor/analysis/concentration.py).

CREATE TABLE IF NOT EXISTS market_concentration (
    market_type VARCHAR,                -- buyer | cpv_region_year
    market_id VARCHAR,                  -- buyer entity id, or 'CPV division|region|year'
    scope VARCHAR,                      -- surveillance | all
    basis VARCHAR,                      -- value (shares of awarded value) | count (shares of processes, no values)
    currency VARCHAR,                   -- currency of the values (NULL when basis = count)
    processes BIGINT,
    suppliers BIGINT,
    total DOUBLE,                       -- summed value (basis value) or number of process-supplier wins (count)
    hhi DOUBLE,                         -- Herfindahl-Hirschman Index on percentage shares, 0..10000
    cr1 DOUBLE,                         -- the largest supplier's share, 0..1 (for a buyer: its dependency)
    top_supplier VARCHAR                -- entity id of the largest supplier
);

CREATE TABLE IF NOT EXISTS market_shares (
    market_type VARCHAR, market_id VARCHAR, scope VARCHAR, basis VARCHAR, currency VARCHAR,
    supplier_entity_id VARCHAR,
    amount DOUBLE,                      -- value won (basis value) or processes won (basis count)
    processes BIGINT,
    share DOUBLE                        -- 0..1
);

CREATE TABLE IF NOT EXISTS complementary_bidders (
    loser_entity_id VARCHAR,            -- a tenderer that never won and always lost to the same winner
    winner_entity_id VARCHAR,
    losses BIGINT,
    ocids VARCHAR[]
);

CREATE TABLE IF NOT EXISTS cobidding_edges (
    entity_a VARCHAR,                   -- entity_a < entity_b
    entity_b VARCHAR,
    processes BIGINT,                   -- processes in which both bid
    ocids VARCHAR[]
);

CREATE TABLE IF NOT EXISTS process_risk (
    ocid VARCHAR PRIMARY KEY,
    cri DOUBLE,                         -- weighted mean of the applicable components, 0..1 (NULL: none applicable)
    applicable INTEGER,                 -- how many components could be computed
    components JSON,                    -- {name: {value, applicable, reason, weight}}
    indicator_version VARCHAR
);

-- Web search (built by the `web-index` analysis step): every searchable text with its normalised form
-- (Cyrillic transliterated to Latin, diacritics folded, lower case) so search works in either script.
CREATE TABLE IF NOT EXISTS search_index (
    kind VARCHAR,                       -- process | buyer | supplier
    key VARCHAR,                        -- ocid, or the buyer / supplier party id
    ocid VARCHAR,
    field VARCHAR,                      -- tender/title, items/description, buyer/name, awards/suppliers/name
    text VARCHAR,                       -- as published
    norm VARCHAR,                       -- nadzor.web.text.normalise(text)
    doc BIGINT                          -- row number, for search_words
);

-- Words of search_index.norm (runs of letters and digits), sorted by word: search reads the few rows whose word
-- the query names instead of scanning every text.
CREATE TABLE IF NOT EXISTS search_words (
    word VARCHAR,
    doc BIGINT                          -- search_index.doc
);

-- Every distinct word of search_words with its number of rows there, sorted (to find the words that contain part
-- of a query).
CREATE TABLE IF NOT EXISTS search_vocab (
    word VARCHAR,
    n BIGINT
);

-- Buyer and supplier pages (built by the `web-index` analysis step): one row per organisation, process and
-- supplier, stored sorted by (role, key) so a page reads one contiguous range instead of scattered rows.
CREATE TABLE IF NOT EXISTS web_org_purchases (
    role VARCHAR,                       -- buyer | supplier: whose page this row serves
    key VARCHAR,                        -- the organisation's key (entity id when matched, else party id)
    ocid VARCHAR,
    title VARCHAR,
    buyer_key VARCHAR,
    buyer_name VARCHAR,
    supplier_key VARCHAR,
    supplier_name VARCHAR,
    date VARCHAR,
    year VARCHAR,
    value DOUBLE,
    currency VARCHAR,
    bids BIGINT,
    is_surveillance BOOLEAN             -- NULL before classification
);

-- Purchase lists (built by the `web-index` analysis step): one row per process with everything a list row shows,
-- stored newest first so the default listing reads the first blocks only and filters need no joins.
CREATE TABLE IF NOT EXISTS web_purchases (
    ocid VARCHAR,
    title VARCHAR,
    buyer_id VARCHAR,
    buyer_name VARCHAR,
    date VARCHAR,
    year_date VARCHAR,                  -- coalesce(tender_start, date): what lists sort and filter by
    year VARCHAR,
    value DOUBLE,                       -- contract, else award, else tender value
    currency VARCHAR,
    procurement_method VARCHAR,
    status VARCHAR,
    number_of_tenderers BIGINT,
    suppliers STRUCT("key" VARCHAR, "name" VARCHAR)[],
    capabilities VARCHAR[],
    flags VARCHAR[],                    -- distinct indicator codes of findings about this process
    bids BIGINT,                        -- bids published, else the notice's number of tenderers (shown)
    n_bids BIGINT,                      -- the notice's number of tenderers, else bids published (filtered on)
    buyer_key VARCHAR,
    is_surveillance BOOLEAN             -- NULL before classification
);

-- Purchase lists filtered by one buyer or supplier (built by the `web-index` analysis step): the web_purchases row
-- of each of an organisation's processes, sorted by (role, key) and then newest first, so the list reads one range.
CREATE TABLE IF NOT EXISTS web_org_listing (
    role VARCHAR,                       -- buyer | supplier, as in web_org_purchases
    key VARCHAR,
    ocid VARCHAR,
    title VARCHAR,
    buyer_id VARCHAR,
    buyer_name VARCHAR,
    date VARCHAR,
    year_date VARCHAR,
    year VARCHAR,
    value DOUBLE,
    currency VARCHAR,
    procurement_method VARCHAR,
    status VARCHAR,
    number_of_tenderers BIGINT,
    suppliers STRUCT("key" VARCHAR, "name" VARCHAR)[],
    capabilities VARCHAR[],
    flags VARCHAR[],
    bids BIGINT,
    n_bids BIGINT,
    buyer_key VARCHAR,
    is_surveillance BOOLEAN
);
