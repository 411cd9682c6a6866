using FluentValidation.Results;

namespace EvidenceBroker.Domain.Requests;

/// <summary>FluentValidation names fields the .NET way ("Identifiers[0].Value"); clients see JSON names.</summary>
public static class ValidationFieldNames
{
    public static Dictionary<string, string[]> ToProblemErrors(this IEnumerable<ValidationFailure> failures) =>
        failures
            .GroupBy(f => ToJsonPath(f.PropertyName), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(f => f.ErrorMessage).Distinct(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);

    public static string ToJsonPath(string propertyName) =>
        string.Join('.', propertyName.Split('.').Select(CamelCase));

    private static string CamelCase(string segment) =>
        segment.Length == 0 || char.IsLower(segment[0]) ? segment : char.ToLowerInvariant(segment[0]) + segment[1..];
}
