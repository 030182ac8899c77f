/// How a DAC level becomes a read pulse on a word line, and so how the cell read energy
/// E = V²·G·t depends on the input.
///
/// With x_q the DAC output (|x_q| ≤ r, r the DAC range) and G the conductance of a driven
/// device:
/// - `amplitude`: V = V_read·x_q/r for t_int: E = (V_read/r)²·x_q²·G·t_int;
/// - `pulseWidth`: V_read for |x_q|/r·t_int: E = V_read²·G·t_int·|x_q|/r (HERMES, Le Gallo
///   et al. 2023);
/// - `bitSerial`: one read cycle of t_int per magnitude bit of the level index k = x_q/Δ,
///   V_read on rows whose bit is 1: E = V_read²·G·t_int·popcount(|k|) (ISAAC, Shafiee et al.
///   2016; NeuroSim).
public enum InputEncoding: String, CaseIterable, Sendable, Codable {
    case amplitude
    case pulseWidth = "pulse_width"
    case bitSerial = "bit_serial"
}
