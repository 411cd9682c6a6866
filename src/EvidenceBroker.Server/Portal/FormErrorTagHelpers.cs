using System.Net;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;

namespace EvidenceBroker.Server.Portal;

/// <summary>
/// A form shown again with its errors (<c>eb-errors</c>: message by field). At its top, a summary that takes the focus
/// and is announced, with a link to each invalid field; the fields and their messages are marked by
/// <see cref="FieldTagHelper"/> and <see cref="FieldMessageTagHelper"/>, so every field of every form is marked the
/// same way. Errors no field of the form shows are listed in the summary as plain text.
/// </summary>
[HtmlTargetElement("form", Attributes = ErrorsAttribute)]
public sealed class FormErrorsTagHelper : TagHelper
{
    private const string ErrorsAttribute = "eb-errors";

    private static readonly IReadOnlyDictionary<string, string> NoErrors = new Dictionary<string, string>();

    [HtmlAttributeName(ErrorsAttribute)]
    public IReadOnlyDictionary<string, string>? Errors { get; set; }

    /// <summary>Starts the ids of this form's messages, for a page whose forms share field names.</summary>
    [HtmlAttributeName("eb-errors-id")]
    public string? IdPrefix { get; set; }

    [ViewContext]
    [HtmlAttributeNotBound]
    public ViewContext ViewContext { get; set; } = null!;

    private FormErrors? form;

    /// <summary>Before any helper of the form renders its content (the end-of-form helper renders it first of all).</summary>
    public override void Init(TagHelperContext context)
    {
        form = new FormErrors(Errors ?? NoErrors, IdPrefix ?? "");
        context.Items[typeof(FormErrors)] = form;
    }

    public override async Task ProcessAsync(TagHelperContext context, TagHelperOutput output)
    {
        await output.GetChildContentAsync(); // the fields say where each error is shown as they render
        if (form?.Summary() is { } summary)
        {
            output.PreContent.AppendHtml(summary);
            ShownProblem.Record(ViewContext.HttpContext);
        }
    }
}

/// <summary>
/// A field of an <c>eb-errors</c> form (<c>eb-field</c>: the errors it answers for, separated by spaces): described by
/// its messages and, while one of them stands, <c>aria-invalid</c>. The first field of an error is where the summary's
/// link leads.
/// </summary>
[HtmlTargetElement("input", Attributes = FieldAttribute, TagStructure = TagStructure.WithoutEndTag)]
[HtmlTargetElement("select", Attributes = FieldAttribute)]
[HtmlTargetElement("textarea", Attributes = FieldAttribute)]
public sealed class FieldTagHelper : TagHelper
{
    private const string FieldAttribute = "eb-field";

    [HtmlAttributeName(FieldAttribute)]
    public string Fields { get; set; } = "";

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        var form = FormErrors.Of(context, FieldAttribute);
        var fields = Fields.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var described = (FormErrors.AttributeText(output, "aria-describedby") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        output.Attributes.SetAttribute("aria-describedby", string.Join(' ', described.Concat(fields.Select(form.MessageId)).Distinct(StringComparer.Ordinal)));
        if (fields.Any(form.HasError))
        {
            output.Attributes.SetAttribute("aria-invalid", "true");
        }

        var id = FormErrors.AttributeText(output, "id");
        foreach (var field in fields)
        {
            form.ShownAt(field, id);
        }
    }
}

/// <summary>Where the message of an error of an <c>eb-errors</c> form appears (<c>eb-error-for</c>: the error), with the id its fields are described by.</summary>
[HtmlTargetElement(Attributes = MessageAttribute)]
public sealed class FieldMessageTagHelper : TagHelper
{
    private const string MessageAttribute = "eb-error-for";

    [HtmlAttributeName(MessageAttribute)]
    public string Field { get; set; } = "";

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        var form = FormErrors.Of(context, MessageAttribute);
        output.Attributes.SetAttribute("id", form.MessageId(Field));
        output.Attributes.SetAttribute("data-error-for", Field); // the officer's form script writes its live errors here
        if (form.MessageFor(Field) is { } message)
        {
            output.Content.SetContent(message);
        }

        form.ShownAt(Field, null);
    }
}

/// <summary>One form's errors, and where each is shown, gathered as the form renders.</summary>
internal sealed class FormErrors(IReadOnlyDictionary<string, string> errors, string idPrefix)
{
    /// <summary>Each error shown in the form, in the form's order, with the id of the field the summary links to (or of its message).</summary>
    private readonly Dictionary<string, string?> shown = new(StringComparer.Ordinal);
    private readonly List<string> order = [];

    public static FormErrors Of(TagHelperContext context, string attribute) =>
        context.Items.TryGetValue(typeof(FormErrors), out var found) && found is FormErrors form
            ? form
            : throw new InvalidOperationException($"{attribute} is used only inside a form with eb-errors.");

    public string MessageId(string field) => $"err-{idPrefix}{field}";

    public bool HasError(string field) => errors.ContainsKey(field);

    public string? MessageFor(string field) => errors.TryGetValue(field, out var message) ? message : null;

    /// <summary>Records that <paramref name="field"/> is shown here; a field's own id is preferred to its message's as the link's target.</summary>
    public void ShownAt(string field, string? fieldId)
    {
        if (!shown.TryGetValue(field, out var target))
        {
            order.Add(field);
        }

        shown[field] = target ?? fieldId;
    }

    /// <summary>The box at the top: every error, each linked to its field, in the form's order; null when there is none.</summary>
    public IHtmlContent? Summary()
    {
        if (errors.Count == 0)
        {
            return null;
        }

        var list = new TagBuilder("ul");
        foreach (var field in order.Where(errors.ContainsKey).Concat(errors.Keys.Where(f => !shown.ContainsKey(f))))
        {
            var item = new TagBuilder("li");
            if (shown.TryGetValue(field, out var target))
            {
                var link = new TagBuilder("a");
                link.Attributes["href"] = "#" + (target ?? MessageId(field));
                link.InnerHtml.Append(errors[field]);
                item.InnerHtml.AppendHtml(link);
            }
            else
            {
                item.InnerHtml.Append(errors[field]);
            }

            list.InnerHtml.AppendHtml(item);
        }

        // Focused on load (no script needed), and an alert for readers that announce it rather than the focus.
        var box = new TagBuilder("div");
        box.AddCssClass("errors error-summary");
        box.Attributes["id"] = $"err-{idPrefix}summary";
        box.Attributes["role"] = "alert";
        box.Attributes["tabindex"] = "-1";
        box.Attributes["autofocus"] = "";
        var title = new TagBuilder("p");
        title.AddCssClass("title");
        title.InnerHtml.Append("There is a problem");
        box.InnerHtml.AppendHtml(title);
        box.InnerHtml.AppendHtml(list);
        return box;
    }

    /// <summary>An attribute's text as written in the page, whether a literal or built from expressions.</summary>
    public static string? AttributeText(TagHelperOutput output, string name)
    {
        if (!output.Attributes.TryGetAttribute(name, out var attribute))
        {
            return null;
        }

        switch (attribute.Value)
        {
            case string text:
                return text;
            case IHtmlContent html:
                using (var writer = new StringWriter())
                {
                    html.WriteTo(writer, HtmlEncoder.Default);
                    return WebUtility.HtmlDecode(writer.ToString());
                }

            default:
                return attribute.Value?.ToString();
        }
    }
}
