using System.CommandLine;
using System.Threading.Channels;
using MessageQueue.Client.Connection;
using MessageQueue.Client.Updates;

namespace MessageQueue.Client.Cli;

/// <summary><c>watch</c>: print each update of a subject as it arrives, for a while or a number of updates.</summary>
internal static class WatchCommand
{
    public static Command Create()
    {
        var subject = RequestCommands.SubjectArgument();
        var count = new Option<int?>("--count") { Description = "Exit after this many updates.", HelpName = "n" };
        count.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1)
                result.AddError("--count must be at least 1.");
        });
        var timeout = new Option<double?>("--timeout")
        {
            Description = "Stop after this many seconds (default: until Ctrl+C). With --count, too few updates is an error.",
            HelpName = "seconds",
        };
        timeout.Validators.Add(result => ClientOptions.CheckSeconds(result, result.GetValueOrDefault<double?>()));

        var command = new Command("watch", "Print each update of a subject as it arrives: [subject] whole content.") { subject, count, timeout };
        command.SetAction((parse, cancellation) => CommandRunner.RunAsync(() => WatchAsync(
            parse.GetRequiredValue(ClientOptions.Publisher),
            ClientOptions.Curve(parse),
            parse.GetRequiredValue(subject),
            parse.GetValue(count),
            parse.GetValue(timeout) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            cancellation)));
        return command;
    }

    private static async Task WatchAsync(string publisher, CurveKeys? curve, string subject, int? count, TimeSpan? timeout, CancellationToken cancellation)
    {
        // The listener's thread only hands updates over; this one prints, so output never interleaves.
        var updates = Channel.CreateUnbounded<SubjectUpdate>(new UnboundedChannelOptions { SingleReader = true });
        using var listener = new UpdateListener(publisher, subject, update => updates.Writer.TryWrite(update), curve);
        await Console.Error.WriteLineAsync($"watching {subject} on {publisher}");

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        if (timeout is { } limit)
            deadline.CancelAfter(limit);

        var received = 0;
        try
        {
            await foreach (var update in updates.Reader.ReadAllAsync(deadline.Token))
            {
                Console.WriteLine(update);
                if (++received == count)
                    return;
            }
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested && count is not null)
        {
            var within = Seconds.Format(timeout!.Value);
            throw new ClientFailure($"only {received} of {count} updates on {subject} from {publisher} within {within}", ExitCodes.NoReply);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C, or the time was up with no count to reach: watching simply ends.
        }
    }
}
