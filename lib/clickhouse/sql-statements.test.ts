import { describe, expect, it } from 'vitest';
import { splitStatements } from './sql-statements.js';

describe('splitStatements', () => {
  it('splits at semicolons and drops comments', () => {
    const sql = `-- a table; with a semicolon in a comment
CREATE TABLE a (x UInt8) ENGINE = Memory;
/* block; comment */
SELECT 1;`;
    expect(splitStatements(sql)).toEqual(['CREATE TABLE a (x UInt8) ENGINE = Memory', 'SELECT 1']);
  });

  it('keeps semicolons inside string literals and quoted identifiers', () => {
    const sql = "SELECT 'a;b', `c;d`, 'it\\'s; fine'; SELECT 2";
    expect(splitStatements(sql)).toEqual(["SELECT 'a;b', `c;d`, 'it\\'s; fine'", 'SELECT 2']);
  });

  it('returns nothing for a file of comments', () => {
    expect(splitStatements('-- nothing here\n/* or here */\n')).toEqual([]);
  });
});
