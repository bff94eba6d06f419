// Prep: GeoTrack's database from Schema.
import { runGeoPrepProgram } from '../../master/lib/geo/programs.js';

export const main = (argv: string[]): Promise<number> => runGeoPrepProgram(argv);
