/** The pure parts of rebuild schedules: cron and argument checks, parents-first ordering. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCron, scheduleIdFrom, templateIdsArg } from '../../src/cli/schedules/schedule-spec';
import { UsageError } from '../../src/cli/errors';
import { orderParentsFirst } from '../../src/workflows/rebuild/order';

describe('schedule arguments', () => {
  it('accepts the cron forms Temporal accepts, normalising the spacing', () => {
    for (const cron of ['0 3 * * 0', '*/15 * * * *', '0 1-5/2 1,15 * 1-5', '@daily', '0 3 * * MON-FRI', '0 3 1 JAN *', '0 0 1 1 * 2030']) {
      assert.doesNotThrow(() => checkCron(cron), cron);
    }
    assert.equal(checkCron('  0  3 * * 7 '), '0 3 * * 7');
    assert.equal(checkCron('@weekly  #  sundays '), '0 0 * * 0 # sundays');
  });

  it('refuses anything else as a usage error naming --cron and the field', () => {
    for (const cron of ['', '0 3 * *', '1 2 3 4 5 6 7 8', '60 * * * *', '0 24 * * *', '0 0 0 * *', '0 0 * 13 *', '*/0 * * * *', '5-3 * * * *', '0 3 * * 0; rm -rf /', '$(id) * * * *', 'TZ=UTC 0 3 * * *', '@every 1h']) {
      assert.throws(() => checkCron(cron), (err: unknown) => err instanceof UsageError && /--cron/.test(err.message), JSON.stringify(cron));
    }
    assert.throws(() => checkCron('61 3 * * 0'), /--cron .*minute/);
    assert.throws(() => checkCron('0 3 * * FRI-MON'), /--cron .*day of week/);
  });

  it('parses --templates and names it when wrong', () => {
    assert.deepEqual(templateIdsArg('900, 901'), [900, 901]);
    for (const raw of [undefined, '', '900,', '9x0', '900;901']) {
      assert.throws(() => templateIdsArg(raw), (err: unknown) => err instanceof UsageError && /--templates/.test(err.message), String(raw));
    }
  });

  it('prefixes schedule ids once and refuses unsafe names', () => {
    assert.equal(scheduleIdFrom('weekly'), 'phoenix-rebuild-weekly');
    assert.equal(scheduleIdFrom('phoenix-rebuild-weekly'), 'phoenix-rebuild-weekly');
    for (const bad of ['', 'a b', '../x', '-x', "x'y"]) assert.throws(() => scheduleIdFrom(bad), UsageError, bad);
  });
});

describe('orderParentsFirst', () => {
  it('puts a parent before its children whatever the given order, keeping the rest in order', () => {
    assert.deepEqual(orderParentsFirst([{ ctid: 920, parent: 901 }, { ctid: 901, parent: 900 }, { ctid: 900 }]), [900, 901, 920]);
    assert.deepEqual(orderParentsFirst([{ ctid: 930, parent: 900 }, { ctid: 901, parent: 900 }]), [930, 901]);
    assert.deepEqual(orderParentsFirst([{ ctid: 901, parent: 900 }, { ctid: 800 }, { ctid: 900 }]), [900, 901, 800]);
  });
});
