// Grafana's PostgreSQL macros and the `$__interval` variable, expanded the way Grafana 11 expands them before it sends
// a panel's rawSql to the database (pkg/tsdb/grafana-postgresql-datasource/macros.go; timescaledb off), so the
// tests run the dashboards' SQL files as Grafana would. Only what a time range and an interval give is supported; an
// unknown macro is an error, as in Grafana.

/** The dashboard's time range and the panel's interval (`$__interval`, e.g. `1h`). */
export interface GrafanaQueryContext {
  from: Date;
  to: Date;
  interval: string;
}

const macroPattern = /\$([_a-zA-Z0-9]+)\(([^)]*)\)/g;
const secondsPerUnit: Readonly<Record<string, number>> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
};

/** Go's `time.RFC3339Nano` of a UTC instant: no fraction when it is zero, no trailing zeros otherwise. */
export function rfc3339Nano(instant: Date): string {
  return instant
    .toISOString()
    .replace(/\.(\d*?)0*Z$/, (_match, digits: string) => (digits === '' ? 'Z' : `.${digits}Z`));
}

/** An interval such as `5m`, `1h` or `'30s'`, in seconds (Grafana's `gtime.ParseInterval` for these units). */
export function intervalSeconds(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d|w)$/.exec(text.trim().replace(/^'|'$/g, ''));
  const unit = match?.[2];
  if (match === null || unit === undefined) throw new Error(`error parsing interval ${text}`);
  return Number(match[1]) * (secondsPerUnit[unit] ?? Number.NaN);
}

function timeGroup(column: string | undefined, interval: string | undefined): string {
  if (column === undefined || interval === undefined) {
    throw new Error('macro __timeGroup needs time column and interval and optional fill value');
  }
  const seconds = intervalSeconds(interval);
  return `floor(extract(epoch from ${column})/${seconds})*${seconds}`;
}

function evaluateMacro(name: string, parameters: string[], context: GrafanaQueryContext): string {
  const [column, interval] = parameters;
  const needsColumn = () => {
    if (column === undefined || column === '')
      throw new Error(`missing time column argument for macro ${name}`);
    return column;
  };
  switch (name) {
    case '__time':
      return `${needsColumn()} AS "time"`;
    case '__timeEpoch':
      return `extract(epoch from ${needsColumn()}) as "time"`;
    case '__timeFilter':
      return `${needsColumn()} BETWEEN '${rfc3339Nano(context.from)}' AND '${rfc3339Nano(context.to)}'`;
    case '__timeFrom':
      return `'${rfc3339Nano(context.from)}'`;
    case '__timeTo':
      return `'${rfc3339Nano(context.to)}'`;
    case '__timeGroup':
      return timeGroup(column, interval);
    case '__timeGroupAlias':
      return `${timeGroup(column, interval)} AS "time"`;
    default:
      throw new Error(`unknown macro "${name}"`);
  }
}

/** A panel's rawSql as Grafana sends it for `context`: `$__interval` replaced, then every macro expanded. */
export function expandGrafanaSql(sql: string, context: GrafanaQueryContext): string {
  const intervalMs = Math.round(intervalSeconds(context.interval) * 1000);
  const withVariables = sql
    .replace(/\$(?:__interval_ms\b|\{__interval_ms\})/g, String(intervalMs))
    .replace(/\$(?:__interval\b|\{__interval\})/g, context.interval);
  const expanded = withVariables.replace(
    macroPattern,
    (whole: string, name: string, argumentText: string, offset: number) => {
      // Grafana's pre-5.3 compatibility: `$__timeGroup(...)` directly followed by a comma also names the column.
      const isOldStyleGroup = name === '__timeGroup' && withVariables[offset + whole.length] === ',';
      const parameters = argumentText.split(',').map((parameter) => parameter.trim());
      return evaluateMacro(isOldStyleGroup ? '__timeGroupAlias' : name, parameters, context);
    },
  );
  const leftover = /\$\{?__\w+/.exec(expanded);
  if (leftover !== null) throw new Error(`a Grafana variable is left in the SQL: ${leftover[0]}`);
  return expanded;
}
