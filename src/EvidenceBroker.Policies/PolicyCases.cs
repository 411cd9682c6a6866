using System.Globalization;
using System.Text.Json;
using EvidenceBroker.Domain.Requests;

namespace EvidenceBroker.Policies;

/// <summary>What a case file expects of the decision.</summary>
public sealed record CaseExpectation(
    Outcome Outcome,
    LegalInstrument Channel,
    IReadOnlyList<string> Deciding,
    IReadOnlyList<string>? Notifications,
    IReadOnlyList<string>? Deadlines);

/// <summary>An example request with its expected decision (policies/cases/*.json).</summary>
public sealed record PolicyCase(
    string File,
    string Name,
    string Description,
    DateOnly EvaluatedOn,
    PolicyInput Input,
    CaseExpectation Expect);

public sealed record PolicyCaseResult(PolicyCase Case, Decision Decision, IReadOnlyList<string> Failures)
{
    public bool Passed => Failures.Count == 0;
}

/// <summary>Reads and runs policy cases; shared by the test suite and <c>evidencebroker policy test</c>.</summary>
public static class PolicyCases
{
    private static readonly JsonSerializerOptions CaseOptions = PublicModelJson.Options;

    /// <summary>Loads every *.json file of a directory, sorted by name. Throws <see cref="PolicyCaseException"/> naming the file.</summary>
    public static IReadOnlyList<PolicyCase> LoadDirectory(string directory)
    {
        var cases = new List<PolicyCase>();
        foreach (var path in Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            cases.Add(Parse(Path.GetFileName(path), File.ReadAllText(path)));
        }

        return cases;
    }

    public static PolicyCase Parse(string file, string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var name = Required(root, "name").GetString()!;
            var description = root.TryGetProperty("description", out var d) ? d.GetString() ?? "" : "";
            var on = DateOnly.ParseExact(Required(root, "evaluatedOn").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            var request = Required(root, "request").Deserialize<RequestContent>(CaseOptions)
                ?? throw new PolicyCaseException(file, "request: must be an object.");
            if (request.NullIdentifier() is { } nullIdentifier)
            {
                throw new PolicyCaseException(file, $"request.{nullIdentifier}: must not be null.");
            }

            var provider = request.ProviderJurisdiction ?? throw new PolicyCaseException(file, "request.providerJurisdiction: required in a case (cases have no provider register).");
            var suspended = root.TryGetProperty("suspendedCountries", out var s) ? s.Deserialize<string[]>(CaseOptions) ?? [] : [];
            var confirmed = root.TryGetProperty("emergencyConfirmedBySupervisor", out var c) && c.GetBoolean();
            var expect = Required(root, "expect");
            var expectation = new CaseExpectation(
                Required(expect, "outcome").Deserialize<Outcome>(CaseOptions),
                Required(expect, "channel").Deserialize<LegalInstrument>(CaseOptions),
                expect.TryGetProperty("deciding", out var deciding) ? deciding.Deserialize<string[]>(CaseOptions) ?? [] : [],
                expect.TryGetProperty("notifications", out var n) ? n.Deserialize<string[]>(CaseOptions) : null,
                expect.TryGetProperty("deadlines", out var dl) ? dl.Deserialize<string[]>(CaseOptions) : null);
            var input = new PolicyInput(request, provider, on)
            {
                Suspensions = suspended.Length == 0 ? null : new CountrySuspensions(suspended),
                EmergencyConfirmedBySupervisor = confirmed,
            };
            return new PolicyCase(file, name, description, on, input, expectation);
        }
        catch (JsonException ex)
        {
            throw new PolicyCaseException(file, $"{ex.Path}: {ex.Message}", ex);
        }
        catch (FormatException ex)
        {
            throw new PolicyCaseException(file, "evaluatedOn: " + ex.Message, ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new PolicyCaseException(file, ex.Message, ex);
        }
    }

    public static PolicyCaseResult Run(PolicyEngine engine, PolicyCase policyCase)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(policyCase);
        var decision = engine.Evaluate(policyCase.Input);
        var failures = new List<string>();
        var expect = policyCase.Expect;
        if (decision.Outcome != expect.Outcome)
        {
            failures.Add($"outcome: expected {Wire(expect.Outcome)}, got {Wire(decision.Outcome)}");
        }

        if (decision.Channel != expect.Channel)
        {
            failures.Add($"channel: expected {Wire(expect.Channel)}, got {Wire(decision.Channel)}");
        }

        CompareSets(failures, "deciding", expect.Deciding, decision.Deciding);
        if (expect.Notifications is { } notifications)
        {
            var actual = new List<string>();
            foreach (var notification in decision.Notifications)
            {
                actual.Add(notification.Country);
            }

            CompareSets(failures, "notifications", notifications, actual);
        }

        if (expect.Deadlines is { } deadlines)
        {
            var actual = new List<string>();
            foreach (var deadline in decision.Deadlines)
            {
                actual.Add(WireNames<DeadlineKind>.Name(deadline.Kind) + ":" + deadline.Duration);
            }

            CompareSets(failures, "deadlines", deadlines, actual);
        }

        return new PolicyCaseResult(policyCase, decision, failures);
    }

    private static void CompareSets(List<string> failures, string what, IReadOnlyList<string> expected, IReadOnlyList<string> actual)
    {
        var e = expected.Order(StringComparer.Ordinal).ToArray();
        var a = actual.Order(StringComparer.Ordinal).ToArray();
        if (!e.SequenceEqual(a))
        {
            failures.Add($"{what}: expected [{string.Join(", ", e)}], got [{string.Join(", ", a)}]");
        }
    }

    private static string Wire<T>(T value)
        where T : struct, Enum => WireNames<T>.Name(value);

    private static JsonElement Required(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw new InvalidOperationException($"{property}: required.");
}

public sealed class PolicyCaseException : Exception
{
    public PolicyCaseException()
    {
    }

    public PolicyCaseException(string message)
        : base(message)
    {
    }

    public PolicyCaseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public PolicyCaseException(string file, string message, Exception? innerException = null)
        : base($"{file}: {message}", innerException)
    {
        File = file;
    }

    public string? File { get; }
}
