using System.Globalization;

namespace MessageQueue.Benchmarks;

/// <summary>The attack group's report: what each attack cost the gateway, and what the legitimate clients kept.</summary>
internal static class ReportAttack
{
    public static void Write(TextWriter output, IReadOnlyList<AttackResult> results, BenchmarkOptions options)
    {
        output.WriteLine(Invariant($"Attacks: each {options.AttackDuration.TotalSeconds:0.#} s against a freshly started gateway with an open-files limit of {options.AttackOpenFiles:N0}, under legitimate load on every door. Before = the end of the window before the attack, peak = the highest reading during it (every 200 ms), after = 5 s after the attacker left."));
        output.WriteLine();
        output.WriteLine("| attack | gateway | RSS MB before / peak / after | descriptors before / peak / after | log before | log during | log in the 5 s after |");
        output.WriteLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var fate = r.Alive ? "alive"
                : r.DiedAfterSeconds is { } died ? Invariant($"**died** {died:0.0} s into the attack{(died > r.AttackSeconds + 0.5 ? ", after it ended" : "")}")
                : "**died** after the attack";
            if (r.Alive && r.SilentDoors.Count > 0)
                fate += $", but silent after: {string.Join(", ", r.SilentDoors)}";
            if (r.StoppedAtRss)
                fate += ", stopped at the RSS cap";
            output.WriteLine(Invariant($"| {r.Name} | {fate} | {AttackScenario.Mb(r.Before?.ResidentBytes)} / {AttackScenario.Mb(r.PeakRss)} / {AttackScenario.Mb(r.After?.ResidentBytes)} | {Count(r.Before?.OpenFiles)} / {r.PeakOpenFiles:N0} / {Count(r.After?.OpenFiles)} | {Rate(r.LogBytesBefore, r.BeforeSeconds)} | {Rate(r.LogBytesDuring, r.DuringSeconds)} | {Kb(r.LogBytesAfter)} |"));
        }
        output.WriteLine();
        output.WriteLine("Legitimate load during each attack as a ratio of the window before it: requests answered per second, p99 latency of the answered (above 1 is slower), and requests that failed or timed out (15 s) during the attack; for the held connections (SUB sockets, event streams, subscribed hub connections), what they received per second.");
        output.WriteLine();
        output.WriteLine("| attack | " + string.Join(" | ", AttackScenario.RequestKinds.Concat(AttackScenario.ReceiptKinds)) + " |");
        output.WriteLine("|---|" + string.Concat(Enumerable.Repeat("---:|", AttackScenario.RequestKinds.Length + AttackScenario.ReceiptKinds.Length)));
        foreach (var r in results)
        {
            var requests = AttackScenario.RequestKinds.Select(k => Door(r.Requests[k].Before, r.Requests[k].During));
            var receipts = AttackScenario.ReceiptKinds.Select(k => Ratio(r.ReceiptsPerSecond[k].During, r.ReceiptsPerSecond[k].Before));
            output.WriteLine($"| {r.Name} | {string.Join(" | ", requests.Concat(receipts))} |");
        }
        output.WriteLine();
        output.WriteLine("The windows before each attack (per door: answered per second, p99 ms, failures):");
        foreach (var r in results)
        {
            var doors = AttackScenario.RequestKinds.Select(k => r.Requests[k].Before)
                .Zip(AttackScenario.RequestKinds, (w, k) => Invariant($"{k} {w.PerSecond:0.0}/s {Ms(w.Latency.P99Ms)} ms{(w.Failed > 0 ? Invariant($" {w.Failed} failed") : "")}"));
            var receipts = AttackScenario.ReceiptKinds.Select(k => Invariant($"{k} {r.ReceiptsPerSecond[k].Before:0.0}/s"));
            output.WriteLine($"- {r.Name}: {string.Join("; ", doors.Concat(receipts))}");
        }
        output.WriteLine();
        output.WriteLine("What each attacker did:");
        foreach (var r in results)
            output.WriteLine($"- {r.Name} ({r.Description}): {r.AttackerNote}.");
    }

    private static string Door(DoorWindow before, DoorWindow during)
    {
        var p99 = during.Succeeded == 0 || before.Succeeded == 0 ? "-" : Invariant($"{during.Latency.P99Ms / before.Latency.P99Ms:0.0}x");
        return Invariant($"{Ratio(during.PerSecond, before.PerSecond)}, p99 {p99}, {during.Failed} failed");
    }

    private static string Ratio(double during, double before) => before > 0 ? Invariant($"{during / before:0.00}x") : "-";

    private static string Ms(double ms) => double.IsNaN(ms) ? "-" : Invariant($"{ms:0.0}");

    private static string Count(int? n) => n is { } v ? Invariant($"{v:N0}") : "-";

    private static string Kb(long bytes) => Invariant($"{bytes / 1024.0:N0} KB");

    private static string Rate(long bytes, double seconds) => Invariant($"{Kb(bytes)} ({bytes / 1024.0 / Math.Max(seconds, 0.001):N1} KB/s)");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
