-- SQLite's own shell under capwasi, first run: builds /work/shop.db in the preopen,
-- writes a CSV report and a backup next to it. Everything printed is checked exactly.
PRAGMA page_size = 1024;
CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT NOT NULL, price_cents INTEGER NOT NULL);
CREATE TABLE sale(id INTEGER PRIMARY KEY, item_id INTEGER REFERENCES item(id), qty INTEGER, day TEXT);
INSERT INTO item(name, price_cents) VALUES ('apple', 45), ('bread', 320), ('cheese', 1150), ('dates', 799);
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
INSERT INTO sale(item_id, qty, day)
  SELECT 1 + (i * 7) % 4, 1 + (i * 13) % 5, date('2024-01-01', '+' || (i % 31) || ' days') FROM n;
COMMIT;
CREATE INDEX sale_by_day ON sale(day);
.print rows per table
SELECT 'item', count(*) FROM item UNION ALL SELECT 'sale', count(*) FROM sale;
.print revenue per item
.mode box
SELECT name, sum(qty) AS units, printf('%.2f', sum(qty * price_cents) / 100.0) AS revenue
  FROM sale JOIN item ON item.id = item_id GROUP BY name ORDER BY sum(qty * price_cents) DESC;
.mode csv
.headers on
.output /work/report.csv
SELECT day, count(*) AS sales, sum(qty) AS units FROM sale WHERE day < '2024-01-06' GROUP BY day ORDER BY day;
.output stdout
.headers off
.mode list
UPDATE item SET price_cents = price_cents + 5 WHERE name = 'apple';
DELETE FROM sale WHERE day = '2024-01-31';
.print after update and delete
SELECT count(*), sum(qty) FROM sale;
SELECT price_cents FROM item WHERE name = 'apple';
.backup /work/backup.db
.print integrity
PRAGMA integrity_check;
