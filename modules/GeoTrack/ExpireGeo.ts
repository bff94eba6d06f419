// ExpireGeo [days]: networks recorded before that out of geotrack.db and custody (the Expire link).
import { runExpireGeoProgram } from '../../master/lib/geo/programs.js';

export const main = (argv: string[]): Promise<number> => runExpireGeoProgram(argv);
