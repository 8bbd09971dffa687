// Package ledger keeps medrecon's DuckDB ledger (SPEC 4.2): the runs, what
// each run read, the assessments and findings it concluded, and what later
// runs build on. It is the only package that speaks SQL; its functions take
// and return the domain types of package record.
//
// # One run, one transaction
//
// A run is written in one transaction (RunTx: Begin, Add per chunk of
// people, Commit; Commit alone for a run held whole), bulk rows through
// DuckDB's Appender on the same connection, so that a run is in the ledger
// entirely or not at all. A night is assessed in chunks of whole people
// (rules.Chunks, about 5,000 visits each) and each chunk's rows are
// appended and dropped before the next is assessed, so the run holds one
// chunk's outcome at a time; the transaction's own rows wait in DuckDB's
// memory (spilled to its temporary directory past its memory limit) until
// the commit. Reads that depend on many keys (History) load the keys into
// temporary tables and join, so their cost follows the batch, not the ledger.
//
// # Why the Appender (issue 17)
//
// Every other bulk path into DuckDB 1.4 was measured against it
// (BenchmarkBulk, scripts/bench_bulk.sh): 1,000,000 rows appended in one
// transaction in 50,000-row chunks, medians of 3 runs taken in turns on 2
// shared cores (load average 3-5). Seconds of the append, settlements /
// assessments, and CPU seconds:
//
//	appender, as today                   9.9 / 7.0   (9.3 / 6.6)
//	appender, money as its int64         9.3 / 7.0   (9.0 / 6.6)
//	typed DataChunks, a table function  11.0 / 8.9  (11.0 / 8.1)
//	CSV spool, INSERT … read_csv         9.4 / 7.0   (9.3 / 7.1)
//	Arrow view, INSERT … SELECT          9.3 / 8.2   (9.0 / 6.8)
//	prepared INSERT, 10 rows a statement 0.35 / 0.21 ms a row (35-50 times slower)
//
// None is 1.3 times faster, so none replaced it; an encrypted ledger gives
// the same picture, and the commit costs 0.1 s after any of them (DuckDB
// writes full row groups to the file as the append goes). Peak RSS is
// 430-620 MiB for each, 260-340 MiB of it the benchmark's own (its build-*
// paths, which append nothing). Of the appender's CPU (pprof, 1M settlements) about two thirds is
// DuckDB storing the rows (the appender's flush, also on its own threads),
// a sixth the cgo call and C copy go-duckdb 2.4 makes for every VARCHAR
// cell, a tenth our conversion of values (decimal to big.Int half of it).
// The Go side alone is 2.2 s a million settlements; as int64 money 1.5 s,
// as CSV text 1.4 s, as Arrow batches 3.1 s (more than Arrow saves in cgo).
// go-duckdb 2.4's Appender has only AppendRow, one driver.Value a cell set
// into a DataChunk it flushes; typed chunks exist only through a table
// function, whose strings take the same cgo call. Arrow would also need the
// duckdb_arrow build tag in every build. A spool file holds the night's
// names and ID numbers on disk in the clear, which the ledger's encryption
// and temp_file_encryption are there to prevent; only an encrypted Parquet
// spool would not, more work on a path that gained nothing. The cheapest
// gain left is money as int64, 0.7 s of Go a million settlements.
//
// # The history is summed from the rows
//
// What a night needs of earlier nights (SPEC 3.2 "already paid this year",
// SPEC 3.6 "the same facts give the same money whatever night each row
// arrives on") is read from the rows themselves: every settlement and claim
// of the batch's people with its current assessment (the latest run's, then
// the last written). A visit adds what its current assessment counted, its
// deductible, basic_pay, eligible_base and serious_pay, when record.Counts
// says it counts, and nothing once it is refunded, rejected or pending. So a
// refund or a decision takes back exactly what the visit added, whichever
// night it arrived, and nothing is reconstructed from other columns:
// eligible_base (schema version 3) stores the serious-illness base each
// visit added, because a visit that pays nothing adds none of its in-scope
// amount. Single-use filings are read the same way: the first use by a
// visit that still counts. Filings too: every version stays with the run
// that brought it (SPEC 2.3, 4.4: a later run adds rows, it never changes or
// deletes what an earlier one committed), and the history takes the latest
// version of each filing_id; a version sent again unchanged is not written.
//
// year_totals is a cache of those sums, replaced per (certno, year, med_cat)
// by every run that may touch a key (rules.TotalsBefore: its people's keys,
// deleted by Begin before any row of the run is appended, and written back
// by Commit); no run reads it, and the across-nights property test holds
// it to the sums over the rows. Assessments with status
// 'conflict', written before a conflict became a finding only (SPEC 3.3), are
// passed over, so the first version's assessment stays current.
//
// # The hash chain
//
// Every commit digests the run's rows as digest.go describes, inside the
// same transaction, and chains the digest to the previous run's (SPEC 4.4);
// Verify does the same from the rows alone. Since schema version 10 the
// commit does not read its night back for it (digest version 2, issue 17):
// each row is encoded in Go from the very values the run hands the appender
// (RunTx.Add, chunk by chunk; the runs row from the values of its INSERT)
// and hashed on its own, and only the rows' 32-byte hashes and subjects are
// kept until Commit sorts them and hashes each table's sorted list. So the
// digest depends neither on the order of the chunks nor on DuckDB's
// physical order, nor on a rewrite of the small tables, and the run holds
// 44 bytes and the subject's id per row (about 65 bytes, some 200 MB for
// the 3 million rows of a 1,000,000-settlement night) instead of reading
// the night back. Measured in turns with main on the loaded 2-core machine:
// the commit's own CPU (pprof) fell from 5.6 to 1.7 s on the 200,000
// night into an empty ledger, from 7.5 to 2.4 s into the 10M ledger and
// from 23.7 to 6.0 s on the 1,000,000 night; hashing the rows as they are
// appended costs 0.8 s of it back on the 200,000 night.
//
// Version 1, which every run before schema version 10 was digested with,
// read the rows back as DuckDB's VARCHAR casts and hashed them sorted by
// value (ORDER BY ALL). Those runs keep their digests and Verify recomputes
// each run with the version its runs row names (runs.digest_version, NULL
// for 1). A version 2 digest is only as right as the Go encoding is equal to
// DuckDB's cast: digest_values.go holds one encoder per column type, tested
// against DuckDB on edge and random values, and a test holds a committed
// run's stored digests, table by table and subject by subject, to Verify's
// recomputation from the rows. A later table or column joins the digest as
// before (digest.go); a column of a type without an encoder stops the run
// at Begin rather than digest a guess.
//
// The columns digested are listed in code per table: a column a later
// schema version adds is not in the digest of older runs, and a migration
// must never change a digested column of rows already chained (versions 3
// and 4 filled theirs before there was a chain).
//
// Both versions keep a short digest per subject of each table
// (run_subject_digests, 8 bytes of SHA-256 per setl_id, claim_id, …), so
// that verify names the subject whose rows changed, not only the table: a
// digest of the table alone cannot say which of its rows differ, and
// keeping the rows' values twice would double the ledger. They cost one
// narrow appended row per subject and table at the commit and 8 bytes plus
// the id per subject on disk.
//
// # Storage
//
// The ledger is opened with DuckDB's row-group vacuum off
// (max_vacuum_tasks=0): each night's rows stay in row groups of their own
// instead of being merged into full ones at some later night's checkpoint,
// which made one night in three two seconds slower and 300 MiB larger on the
// soak. Results do not depend on it; the file came out smaller without it.
//
// The price is that every table gains a row group a night (50 after the
// 50-night soak), and DuckDB 1.4's checkpoint rewrites the metadata of every
// row group of a table it writes. The same 20,000-settlement night (seed
// 51) run on a copy of the soak's ledger after night 1 and after night 50
// (issue 17; 2-7 runs each, quiet machine):
//
//	                        after night 1   after night 50
//	whole run               1.38-1.51 s     1.82-2.01 s
//	history loaded          102-112 ms      257-293 ms (the key column scans)
//	checkpoint of the run   206-209 ms      435-453 ms
//	COMMIT without it       108-109 ms      113-131 ms
//	peak RSS in the commit  190-198 MiB     215-223 MiB
//	peak RSS of the run     197-216 MiB     216-234 MiB
//	Go heap at its largest  47-55 MB        48-55 MB
//
// Go's side stays flat; what grows is DuckDB's checkpoint and the history's
// scans. The checkpoint after a rewrite of two small tables alone took 13
// ms after night 1 and 42 ms after night 50; after deleting and re-adding
// 20,000 year_totals rows, 19 and 59 ms. With the vacuum on, the night's
// rows join the last row group instead (20,000 settlements inserted after
// night 1: one row group of 39,772 rows, against two with it off), and the
// merges come back with it. A night's cost would stop following the
// ledger's age with a checkpoint that writes only the row groups that
// changed, which 1.4 does not have, or with a compaction apart from the
// nights; 1.4 vacuums a table only at a checkpoint that writes it, so that
// would be a maintenance run that changes every table. Neither is built.
//
// The tables that gain only a few rows a night (runs, input_files,
// statements, filing_uses, up to 122,880 rows each) are instead rewritten
// whole, in order, inside each run's transaction, so each stays one row
// group: otherwise every night read one storage block per earlier night just
// to list the runs. For that, schema version 2 drops the primary key on
// runs.run_id (DuckDB keeps deleted rows for as long as a table has an
// index); the commit checks for a duplicate run id itself.
//
// DuckDB keeps every storage block it reads until its memory limit (80% of
// RAM) forces it out. A run's history lookups, and the commit's search for
// the filings and running totals it replaces, scan key columns of the
// largest tables, which nothing later in the run reads again; kept, those
// blocks made a night's peak memory grow with the ledger (1.5 MiB a night on
// the soak). So after the history, and after Begin's deletion of the totals
// it replaces (before the run has appended anything, so that nothing of the
// transaction must be written out), the ledger has DuckDB drop its cache
// (dropCache): DuckDB has no statement for that, so the memory limit is
// lowered for a moment and set back to the value DuckDB showed when the
// ledger was opened.
//
// # Lookups by key (row_keys)
//
// DuckDB 1.4 has no clustered key, and the min/max it keeps per row group of
// a VARCHAR holds a short prefix only, so WHERE setl_id = ? reads the whole
// column; ART indexes on the key columns cost 2.5 GB and a minute on the 10M
// ledger and saved little. Schema version 11 adds row_keys (keys.go): per
// row of settlements, claims, assessments and findings, the DuckDB hash of
// each keyed column, which column, and the row's rowid, appended by each run
// sorted by hash, so that the BIGINT min/max prunes a lookup to about one
// row group per run. explain and the expired pending claims read by it;
// explain falls back to the tables when it finds nothing. The rows are
// then read by rowid, which DuckDB 1.4.1 does not prune by (duckdb#23625:
// it visits every row group, and a new process loads the metadata of every
// scanned column of each), so explain filters on the rows' runs too, a real
// column whose min/max does prune (to the runs of the same ten days: DuckDB
// keeps 8 bytes of a VARCHAR, "R2026060", so the cost follows ten nights,
// not the ledger; the bench's history has five runs to each prefix). Schema
// version 12 adds run_rows, the first and last rowid of each run's rows in
// each keyed table (a run appends its rows of a table in one piece), which
// gives the run of a rowid without reading the rows. With these and one
// DuckDB thread (OpenLookup), explain on the 10M ledger took 54 ms in
// process instead of 160 for a settlement of the latest night, 32 instead
// of 112 for an older one, 49 instead of 81 for a claim (issue 17; min of
// 5-6 on the loaded 2-core machine). The night's history does not read by
// row_keys: its thousands of people fall into every row group of any table
// appended run by run, so no zone map can prune that join, and History
// scans the certno columns once a night (history.go says what it
// reads and why). row_keys and run_rows rely on the keyed tables being
// append-only; verify checks both (CheckKeys), RebuildKeys writes both
// afresh.
//
// # Memory of a night
//
// A night's peak memory is the Go heap of the run plus what DuckDB holds
// outside it (issue 17; peak RSS sampled every 10 ms, the Go side from
// runtime/metrics, DuckDB's from duckdb_memory()). On the
// 200,000-settlement night into an empty ledger the peak falls while the
// chunks are assessed and appended: with chunks of 50,000 visits it was
// about 1.1 GB, 0.72 GB of it Go's (a live heap of 260-430 MB, which the
// collector lets grow to twice that) and 0.31 GB DuckDB's and the C
// allocator's. Of DuckDB's, duckdb_memory() names 130 MB the transaction's
// appended rows that do not yet fill a row group (IN_MEMORY_TABLE; full
// row groups are written to the file as the append goes) and 40 MB ledger
// blocks; the rest is memory its allocator keeps. Measured in turns:
//
//	chunks of 10,000 visits (rules.Chunks)  1.13 -> 0.86 GB, same CPU  kept
//	a settlement's own strings (ingest)     0.86 -> 0.79 GB, same CPU  kept
//	Go soft limit 400 MiB (GOMEMLIMIT)      0.86 -> 0.75 GB, CPU +11%
//	Go soft limit 300 MiB                   0.86 -> 0.67 GB, CPU +40% (one run)
//	GOGC=50                                 0.86 -> 0.74 GB, CPU +17%
//	400 MiB after both kept changes         0.79 -> 0.75 GB, CPU +3%
//	memory_limit 256MB, allocator_flush_threshold 16MB,
//	allocator_background_threads, threads=1  no lower peak
//
// On the 1,000,000-settlement night the two kept changes took the peak from
// 3.3 to 2.6 GB at the same CPU (two runs each, in turns).
//
// That night's peak was then 2.4-2.7 GB: Go's heap (mapped, not yet given
// back) 1.5-2.2 GB of it, DuckDB's side rising from 0.3 GB early in the
// append to 0.9-1.1 GB in the commit. A heap profile two thirds of the way
// through the chunks found 690 MB live: the chunks not yet assessed 195 MB,
// the digest's row hashes 117 MB, the statement detail 88 MB, the year
// totals Begin had replaced 67 MB and the chunks' new ones 80 MB (30 MB of
// them big.Int of decimal). Measured next (single runs, then in turns):
//
//	year totals kept in fen, only those with   live at the end of the chunks
//	  visits, keys with their own certno;      0.5-0.9 -> 0.2-0.4 GB;
//	  the statement detail one map entry a     peak 2.57 -> 2.36 GB
//	  key in fen (RunTx.Begin/Add, rules)      kept
//	the heap collected and handed back once    2.59 -> 2.05 GB, 0.1-0.3 s
//	  the batch is dropped and again before    each (batch.releaseMemory)
//	  the commit                               kept
//	GOGC=50 on top (cmd/medrecon)              1M: 2.09 -> 1.77 GB, same time;
//	                                           200k: 0.69 -> 0.60 GB, +5-8%
//	                                           time; kept
//	chunks of 5,000 visits on top              200k into the 10M ledger:
//	                                           0.62-0.63 -> 0.57 GB, about
//	                                           the same time; kept
//	chunks built one at a time from the batch  the batch's records stay to
//	  (a plan, each chunk copied when it is    the end: live 1.2 GB at the
//	  assessed)                                end, peak 3.0-3.5 GB; refused
//	ROW_GROUP_SIZE 30720 for the ledger        200k: 0.78 -> 0.69-0.75 GB
//	                                           (two runs, loaded); not kept:
//	                                           it changes the file's layout
//	DuckDB memory_limit 200-500MB in the run   BASE_TABLE blocks 280 -> 30 MB,
//	                                           no lower peak; not kept
//
// The run's copies of the night's records stand beside the batch while the
// chunks are made (rules.Chunks): live 1.1 GB for a moment on the
// 1,000,000-settlement night; releaseMemory keeps that moment from setting
// the heap's size for the rest of the run.
//
// A Go soft limit beyond the default of cmd/medrecon is left to the
// operator (README): a limit suits one size of night, and below the night's
// live heap it only costs time. The DuckDB settings bound what DuckDB
// caches, not what a transaction's own rows and its allocator hold, so the
// ledger keeps DuckDB's defaults.
//
// # Encryption at rest
//
// DuckDB 1.4 encrypts a database file (AES-256-GCM, every block but the
// main header, with the WAL) only when it is ATTACHed with ENCRYPTION_KEY;
// the connection string takes no key. So open starts DuckDB in memory and
// attaches the ledger file as catalog "ledger", which every connection of
// the pool then USEs: the first connection attaches, the others only USE it
// (attaching again on each new connection, even with IF NOT EXISTS, made
// statements of other connections wait). A plain ledger is opened the same
// way without the key, so the tests of the package exercise the one path
// both take; the lock, the read-only mode (ATTACH … READ_ONLY), the
// vacuum setting, the temporary directory (LEDGER.tmp, where DuckDB puts it
// for a file opened by name) and the 0600 modes are the same for both.
//
// Temporary files are not covered by the database's key: DuckDB encrypts
// them only with temp_file_encryption, which open sets for an encrypted
// ledger (a transaction larger than memory, which dropCache can provoke,
// otherwise spills its rows, ID numbers and all, in the clear; the tests
// scan for it). DuckDB refuses a wrong key ("Wrong encryption key"), a
// missing one and a key for a plain file only in words; openError turns
// those into ErrKey with the ledger's name, and no message carries the key.
//
// A key file is text (ReadKey): DuckDB derives its AES key from the text, so
// the text must carry the entropy, at least 32 characters; base64 of 32
// random bytes has 44. The person key of an encrypted ledger's auditors'
// copy is HMAC-SHA256 under a secret derived from the key text, not the text
// itself. Encrypt moves a plain ledger to an encrypted one with COPY FROM
// DATABASE: the digests are over values in a fixed order, so the copy's
// chain is the original's, which Encrypt checks.
//
// DuckDB 1.4.1 writes encrypted files with its bundled Mbed TLS; 1.4.2
// (advisory GHSA-vmp8-hg63-v2hp) requires the httpfs extension's OpenSSL to
// write them, which a ledger on an offline server cannot download: an
// upgrade of go-duckdb has to bring that extension along. That holds back a
// fix too: 1.4.1's parallel sort merge can crash (SIGSEGV) on a window
// partitioned by a text key, which 1.4.3 does not (duckdb-go-bindings
// v0.1.24, tried). The PDF's sample of findings is therefore a Top-N a code
// (findingSample), not a row_number() window.
//
// The first medrecon run on a ledger of an older schema version upgrades it,
// in one transaction (migrations in ledger.go, one SQL file a version).
package ledger
