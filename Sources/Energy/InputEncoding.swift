/// How a DAC level becomes a read pulse on a word line, and so how the energy the bit lines
/// draw from their supply, E = V_s·I·t (V_s = `AnalogEnergyModel.supplyVoltage`), depends on
/// the input.
///
/// With x_q the DAC output (|x_q| ≤ r, r the DAC range) and G the conductance of a driven
/// device:
/// - `amplitude`: V = V_read·x_q/r for t_int, I = V·G: E = V_s·(V_read/r)·|x_q|·G·t_int (the
///   cell dissipates (V_read·x_q/r)²·G·t of it, the driver the rest);
/// - `pulseWidth`: V_read for |x_q|/r·t_int: E = V_s·V_read·G·t_int·|x_q|/r (HERMES, Le Gallo
///   et al. 2023);
/// - `bitSerial`: one read cycle of t_int per magnitude bit of the level index k = x_q/Δ,
///   V_read on rows whose bit is 1: E = V_s·V_read·G·t_int·popcount(|k|) (ISAAC, Shafiee et al.
///   2016; NeuroSim).
/// With V_s = V_read the pulse-width and bit-serial energies are the cell dissipation V²·G·t.
public enum InputEncoding: String, CaseIterable, Sendable, Codable {
    case amplitude
    case pulseWidth = "pulse_width"
    case bitSerial = "bit_serial"
}
