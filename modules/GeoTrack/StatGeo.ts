// StatGeo: GeoCount's statistics as CSV, mailed to REPORTMAIL (the Stat link).
import { runStatGeoProgram } from '../../master/lib/geo/programs.js';

export const main = (argv: string[]): Promise<number> => runStatGeoProgram(argv);
