using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace EvidenceBroker.Server.Portal;

/// <summary>A page's model errors in the shape an <c>eb-errors</c> form shows (<see cref="FormErrorsTagHelper"/>).</summary>
public static class ModelStateErrors
{
    /// <summary>
    /// The first message of each field that has one, by its model-state key (the bound property's name; "" for an
    /// error of the whole form, which the summary lists without a link).
    /// </summary>
    public static IReadOnlyDictionary<string, string> FirstErrorByField(this ModelStateDictionary modelState)
    {
        ArgumentNullException.ThrowIfNull(modelState);
        return modelState.Where(entry => entry.Value is { Errors.Count: > 0 })
            .ToDictionary(entry => entry.Key, entry => entry.Value!.Errors[0].ErrorMessage, StringComparer.Ordinal);
    }
}
