/*
 * aimc.h — the C interface of aimc (libaimc_c), the analogue in-memory-compute simulator.
 *
 * Every function returns an aimc_status: AIMC_OK (0) or an error code. After an error, the
 * message is available with aimc_last_error() on the calling thread, and for calls on a
 * tile also with aimc_tile_last_error(). No function aborts on bad input: null pointers,
 * sizes, NaN or ±Inf values, unknown or freed handles and invalid configs all come back as
 * codes.
 *
 * Handles are opaque non-zero integers from a registry: a freed or unknown handle is an error
 * (AIMC_ERR_HANDLE), never a dangling pointer. Calls on independent handles may run on
 * different threads at once; calls on one handle are serialised.
 *
 * Matrices are dense, row-major (C order). W is [outputs × inputs] (a row of W is one output,
 * i.e. one tile column); X is [batch × inputs]; Y = X · analog(W)ᵀ is [batch × outputs].
 * Values are converted to float32 for the tiles, as `aimc mvm` converts .npy files; float64
 * results are the float32 results widened. Times are in seconds.
 *
 * Strings returned through `char **` are allocated by the library: free them with
 * aimc_string_free().
 */
#ifndef AIMC_H
#define AIMC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int64_t aimc_handle;

typedef enum aimc_status {
    AIMC_OK = 0,
    AIMC_ERR_ARGUMENT = 1,   /* null pointer, negative size, unknown dtype or compensation */
    AIMC_ERR_SHAPE = 2,      /* shapes that do not agree */
    AIMC_ERR_NONFINITE = 3,  /* NaN or ±Inf in W or X */
    AIMC_ERR_HANDLE = 4,     /* unknown, freed or wrong kind of handle */
    AIMC_ERR_CONFIG = 5,     /* invalid hardware description or experiment config */
    AIMC_ERR_SIMULATION = 6, /* the simulator refused (hardware limits, calibration, energy not modelled) */
    AIMC_ERR_IO = 7          /* a file could not be read or written */
} aimc_status;

typedef enum aimc_dtype { AIMC_FLOAT32 = 0, AIMC_FLOAT64 = 1 } aimc_dtype;

/* The library version ("major.minor.patch"); static storage. */
const char *aimc_version(void);

/* Copies the calling thread's last error message (UTF-8, NUL-terminated, truncated to
 * size - 1 bytes) into buf; returns the message's full length in bytes. buf may be NULL
 * when size is 0. */
size_t aimc_last_error(char *buf, size_t size);

/* Frees a string returned by the library (NULL is ignored). */
void aimc_string_free(char *s);

/* ---- Hardware ------------------------------------------------------------------------ */

/* Loads a hardware description (the keys of `aimc keys --hardware`).
 *   source:      a YAML file path (source_is_yaml = 0) or YAML text (source_is_yaml = 1);
 *                includes resolve in circuits_dir (NULL: $AIMC_CIRCUITS_DIR, else the first
 *                Circuits/ folder above the file, or above the current directory for text).
 *   overrides:   n_overrides strings "key=value" (hardware keys, e.g. "adc.bits=8").
 *   out:         the hardware handle; free with aimc_hardware_free. */
int aimc_hardware_load(const char *source, int source_is_yaml, const char *circuits_dir,
                       const char *const *overrides, int64_t n_overrides, aimc_handle *out);

/* A JSON object describing the hardware (device, g_max, tile size, converter bits, ...). */
int aimc_hardware_describe(aimc_handle hardware, char **json_out);

int aimc_hardware_free(aimc_handle hardware);

/* ---- Tiles: programmed weights ------------------------------------------------------- */

/* Maps W [outputs × inputs] (dtype AIMC_FLOAT32 or AIMC_FLOAT64) onto tiles of `hardware`,
 * programs it with `seed` and drifts it to t_inference seconds (≥ 0). The tile keeps its
 * own copy of the hardware; the hardware handle may be freed afterwards. */
int aimc_tile_create(aimc_handle hardware, const void *w, int dtype, int64_t outputs, int64_t inputs,
                     uint64_t seed, double t_inference, aimc_handle *out);

/* Programs the same weights again with a new seed, at t = 0; the counts restart. */
int aimc_tile_program(aimc_handle tile, uint64_t seed);

/* Drifts the programmed state to t_inference seconds after programming and restarts the
 * output-noise stream (a read at t then equals `aimc mvm --t-inference t` with the seed). */
int aimc_tile_drift(aimc_handle tile, double t_inference);

/* Calibrates the ADC ranges on X [batch × inputs] (adc.range_policy calibrated or
 * calibrated_per_column), now and after every later drift. */
int aimc_tile_calibrate_adc(aimc_handle tile, const void *x, int dtype, int64_t batch, int64_t inputs);

/* Y [batch × outputs] = X [batch × inputs] · analog(W)ᵀ, in X's dtype (x and y share dtype).
 * compensation: "none", "global", "global_exact", "column", "column_exact" (NULL: "none").
 * Output noise advances with every call; operation counts accumulate. */
int aimc_tile_mvm(aimc_handle tile, const void *x, int dtype, int64_t batch, int64_t inputs,
                  void *y, int64_t outputs, const char *compensation);

/* Shape and state: outputs, inputs, tiles, t_inference (s), seed. Any pointer may be NULL. */
int aimc_tile_info(aimc_handle tile, int64_t *outputs, int64_t *inputs, int64_t *tiles,
                   double *t_inference, uint64_t *seed);

/* Operation counts of every MVM since programming (or the last reset), as JSON:
 * input_vectors, tile_reads, dac_conversions, dac_clipped, adc_conversions, adc_clipped,
 * adc_zeroed, ... (ConversionStats, snake_case). */
int aimc_tile_counts(aimc_handle tile, char **json_out);

int aimc_tile_reset_counts(aimc_handle tile);

/* Energy and latency per input vector of the counted MVMs, as JSON (AnalogEnergyEstimate:
 * joules_per_inference, latency_s, breakdown {adc, dac, array, digital, memory} in J, ...).
 * AIMC_ERR_SIMULATION when the hardware has no energy model or nothing was read. */
int aimc_tile_energy(aimc_handle tile, char **json_out);

/* Copies the last error message of calls on this tile (see aimc_last_error). */
size_t aimc_tile_last_error(aimc_handle tile, char *buf, size_t size);

int aimc_tile_free(aimc_handle tile);

/* ---- Experiments --------------------------------------------------------------------- */

/* Runs an experiment config (as `aimc run CONFIG --set ...`) and returns its summary JSON
 * (summary.json). Results are also written to the config's output_dir as by the CLI.
 * verbose = 1 prints progress lines to standard error. */
int aimc_run(const char *config_path, const char *const *overrides, int64_t n_overrides, int verbose,
             char **json_out);

/* Runs a sweep (as `aimc sweep CONFIG --set k=v1,v2 --link ...`) and returns its summary
 * JSON; finished points are kept and reused as by the CLI. */
int aimc_sweep(const char *config_path, const char *const *sets, int64_t n_sets, const char *const *links,
               int64_t n_links, int verbose, char **json_out);

/* ---- Documentation ------------------------------------------------------------------ */

/* Every documented config key as a JSON list of {key, default_value, allowed, doc}: the
 * experiment keys (hardware = 0) or the hardware-description keys (hardware = 1), as
 * `aimc keys [--hardware]`. */
int aimc_keys(int hardware, char **json_out);

#ifdef __cplusplus
}
#endif
#endif /* AIMC_H */
