using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;

namespace EvidenceBroker.Cli;

/// <summary>The <c>evidencebroker</c> command line. Exit codes: 0 ok, 1 failed cases, pack errors or a broken audit chain, 2 bad input, 3 broker unavailable.</summary>
public static class Program
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int BadInput = 2;

    /// <summary>Built once: its rules compile expression trees.</summary>
    private static readonly RequestContentValidator RequestShape = new();

    public static Task<int> Main(string[] args) => RunAsync(args, Console.Out, Console.Error);

    /// <summary>The testable entry point: everything the commands print goes to the writers given.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default) =>
        RunAsync(args, output, error, http: null, cancellationToken);

    /// <summary>As above; <paramref name="http"/> carries the commands that call a broker (tests pass an in-memory one).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, HttpMessageHandler? http, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var root = BuildCommand(output, error, http);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
            {
                await error.WriteLineAsync(parseError.Message).ConfigureAwait(false);
            }

            return BadInput;
        }

        try
        {
            // Without System.CommandLine's own handler, which prints a stack trace and exits 1 ("failed").
            return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"Cannot read a file: {ex.Message}").ConfigureAwait(false);
            return BadInput;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("Cancelled.").ConfigureAwait(false);
            return Failure;
        }
    }

    private static RootCommand BuildCommand(TextWriter output, TextWriter error, HttpMessageHandler? http)
    {
        var testDirectory = new Argument<string?>("DIR")
        {
            Description = "The policy pack directory (default: the nearest policies/ above the current directory).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var test = new Command("test", "Run every case in DIR/cases against the pack in DIR and print a pass/fail summary.") { testDirectory };
        test.SetAction(parse => PolicyTest(parse.GetValue(testDirectory), output, error));

        var file = new Argument<string>("FILE") { Description = "A request in the public model (JSON), or a case file whose 'request' is used." };
        var packOption = new Option<string?>("--pack") { Description = "The policy pack directory (default: the nearest policies/)." };
        var onOption = new Option<string?>("--on") { Description = "Evaluation date, YYYY-MM-DD (default: the case's evaluatedOn, else today)." };
        var confirmedOption = new Option<bool>("--emergency-confirmed") { Description = "A supervisor confirmed the emergency by a second channel (R11)." };
        var suspendOption = new Option<string[]>("--suspend") { Description = "Country codes suspended by the operator (C11).", AllowMultipleArgumentsPerToken = true };
        var evaluate = new Command("evaluate", "Evaluate one request and print the decision as JSON.") { file, packOption, onOption, confirmedOption, suspendOption };
        evaluate.SetAction(parse => PolicyEvaluate(
            parse.GetValue(file)!, parse.GetValue(packOption), parse.GetValue(onOption), parse.GetValue(confirmedOption),
            parse.GetValue(suspendOption) ?? [], output, error));

        var policy = new Command("policy", "Work with the policy pack.") { test, evaluate, WhatIfCommand.Build(output, error, http) };
        return new RootCommand("Evidence Broker command line.") { policy, AuditCommands.Build(output, error, http) };
    }

    private static int PolicyTest(string? directory, TextWriter output, TextWriter error)
    {
        var pack = LoadPack(directory, error, out var packDirectory);
        if (pack is null)
        {
            return Failure;
        }

        var casesDirectory = Path.Combine(packDirectory!, "cases");
        if (!Directory.Exists(casesDirectory))
        {
            error.WriteLine($"{casesDirectory}: no cases directory.");
            return Failure;
        }

        var engine = new PolicyEngine(pack);
        int passed = 0, failed = 0;
        foreach (var path in Directory.EnumerateFiles(casesDirectory, "*.json").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            try
            {
                var result = PolicyCases.Run(engine, PolicyCases.Parse(name, File.ReadAllText(path)));
                if (result.Passed)
                {
                    passed++;
                    output.WriteLine($"PASS {result.Case.Name}");
                }
                else
                {
                    failed++;
                    output.WriteLine($"FAIL {result.Case.Name}: {string.Join("; ", result.Failures)}");
                }
            }
            catch (PolicyCaseException ex)
            {
                failed++;
                output.WriteLine($"FAIL {ex.Message}");
            }
        }

        output.WriteLine();
        output.WriteLine($"{passed + failed} cases: {passed} passed, {failed} failed. Policy {pack.Version} ({pack.Label}).");
        return failed == 0 && passed > 0 ? Ok : Failure;
    }

    private static int PolicyEvaluate(string file, string? packDirectory, string? on, bool confirmed, string[] suspended, TextWriter output, TextWriter error)
    {
        if (!File.Exists(file))
        {
            error.WriteLine($"{file}: file not found.");
            return BadInput;
        }

        RequestContent? request;
        DateOnly? caseDate = null;
        try
        {
            // As the request itself is read: of two "request" members, the one evaluated would be a reader's choice.
            using var document = JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { AllowDuplicateProperties = false });
            var element = document.RootElement;
            if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty("request", out var inner))
            {
                if (element.TryGetProperty("evaluatedOn", out var evaluatedOn) && evaluatedOn.ValueKind == JsonValueKind.String
                    && DateOnly.TryParseExact(evaluatedOn.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    caseDate = date;
                }

                element = inner;
            }

            request = element.Deserialize<RequestContent>(PublicModelJson.Options);
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "request" : "request" + ex.Path.TrimStart('$');
            error.WriteLine($"{file}: {field}: {FirstSentence(ex.Message)}");
            return BadInput;
        }

        if (request is null)
        {
            error.WriteLine($"{file}: request: expected a JSON object.");
            return BadInput;
        }

        if (request.NullIdentifier() is { } nullIdentifier)
        {
            error.WriteLine($"{file}: request.{nullIdentifier}: must not be null.");
            return BadInput;
        }

        // The broker's own shape rules, relaxed as its dry run relaxes them: a decision on a request the API would
        // refuse at filing (no identifiers, a nameless authority, a negative penalty) would mislead whoever drafts one.
        var problems = RequestShape.Validate(request).Errors.ToProblemErrors()
            .Where(field => !RequestContentValidator.DryRunRelaxed.Contains(field.Key))
            .ToList();
        if (problems.Count > 0)
        {
            foreach (var (field, messages) in problems)
            {
                foreach (var message in messages)
                {
                    error.WriteLine($"{file}: {field}: {message}");
                }
            }

            return BadInput;
        }

        if (request.ProviderJurisdiction is null)
        {
            var hint = request.ProviderId is null ? "" : $" (the CLI has no provider register to resolve providerId '{request.ProviderId}')";
            error.WriteLine($"{file}: request.providerJurisdiction: required{hint}; give the provider's ISO alpha-2 country.");
            return BadInput;
        }

        if (!CountryCode.IsValid(request.ProviderJurisdiction))
        {
            error.WriteLine($"{file}: request.providerJurisdiction: '{request.ProviderJurisdiction}': {CountryCode.Rule}");
            return BadInput;
        }

        if (CrossBorder.Refusal(request.RequestingCountry, request.ProviderJurisdiction) is { } domestic)
        {
            error.WriteLine($"{file}: request.providerJurisdiction: {domestic}"); // as the broker refuses it at filing
            return BadInput;
        }

        DateOnly evaluationDate;
        if (on is not null)
        {
            if (!DateOnly.TryParseExact(on, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out evaluationDate))
            {
                error.WriteLine($"--on: '{on}' is not a date as YYYY-MM-DD.");
                return BadInput;
            }
        }
        else
        {
            evaluationDate = caseDate ?? DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime);
        }

        if (suspended.FirstOrDefault(code => !CountryCode.IsValid(code)) is { } notACountry)
        {
            error.WriteLine($"--suspend: '{notACountry}': {CountryCode.Rule}");
            return BadInput;
        }

        var pack = LoadPack(packDirectory, error, out _);
        if (pack is null)
        {
            return Failure;
        }

        var input = new PolicyInput(request, request.ProviderJurisdiction, evaluationDate)
        {
            EmergencyConfirmedBySupervisor = confirmed,
            Suspensions = suspended.Length == 0 ? null : new CountrySuspensions(suspended),
        };
        var decision = new PolicyEngine(pack).Evaluate(input);
        output.WriteLine(JsonSerializer.Serialize(decision, DecisionJson.Options));
        return Ok;
    }

    private static PolicyPack? LoadPack(string? directory, TextWriter error, out string? resolved)
    {
        resolved = directory ?? FindPolicies(Directory.GetCurrentDirectory());
        if (resolved is null)
        {
            error.WriteLine("No policies/ directory found above the current directory; pass one explicitly.");
            return null;
        }

        var result = PolicyPackLoader.LoadDirectory(resolved);
        foreach (var packError in result.Errors)
        {
            error.WriteLine(packError.ToString());
        }

        return result.Pack;
    }

    private static string? FindPolicies(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "policies");
            if (File.Exists(Path.Combine(candidate, "pack.yaml")))
            {
                return candidate;
            }

            if (File.Exists(Path.Combine(dir.FullName, "pack.yaml")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    // System.Text.Json appends "Path: … | LineNumber: …" which the field name already says.
    private static string FirstSentence(string message)
    {
        var index = message.IndexOf(" Path:", StringComparison.Ordinal);
        return index > 0 ? message[..index] : message;
    }
}
