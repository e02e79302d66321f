/** The members' municipality ids (kommunkoder) as config/region.yaml gives them. */
export const NORDMALING = '2401';
export const BJURHOLM = '2403';
export const VINDELN = '2404';
export const ROBERTSFORS = '2409';
export const VANNAS = '2460';
export const UMEA = '2480';
export const ORNSKOLDSVIK = '2284';
