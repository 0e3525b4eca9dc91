using Lep.Data;
using Lep.Tokenization.ChatTemplates;

namespace Lep.Tests.Tokenization.ChatTemplates;

/// <summary>
/// The Llama-3.2-Instruct template as Meta publishes it: strftime_now for the date, the system message pulled out of
/// the list, tools serialised with tojson(indent=4) into the first user turn, single tool calls.
/// </summary>
public class Llama32TemplateTests
{
    private const string Template = """
        {{- bos_token }}
        {%- if custom_tools is defined %}
            {%- set tools = custom_tools %}
        {%- endif %}
        {%- if not tools_in_user_message is defined %}
            {%- set tools_in_user_message = true %}
        {%- endif %}
        {%- if not date_string is defined %}
            {%- if strftime_now is defined %}
                {%- set date_string = strftime_now("%d %b %Y") %}
            {%- else %}
                {%- set date_string = "26 Jul 2024" %}
            {%- endif %}
        {%- endif %}
        {%- if not tools is defined %}
            {%- set tools = none %}
        {%- endif %}

        {#- This block extracts the system message, so we can slot it into the right place. #}
        {%- if messages[0]['role'] == 'system' %}
            {%- set system_message = messages[0]['content']|trim %}
            {%- set messages = messages[1:] %}
        {%- else %}
            {%- set system_message = "" %}
        {%- endif %}

        {#- System message #}
        {{- "<|start_header_id|>system<|end_header_id|>\n\n" }}
        {%- if tools is not none %}
            {{- "Environment: ipython\n" }}
        {%- endif %}
        {{- "Cutting Knowledge Date: December 2023\n" }}
        {{- "Today Date: " + date_string + "\n\n" }}
        {%- if tools is not none and not tools_in_user_message %}
            {{- "You have access to the following functions. To call a function, please respond with JSON for a function call." }}
            {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
            {{- "Do not use variables.\n\n" }}
            {%- for t in tools %}
                {{- t | tojson(indent=4) }}
                {{- "\n\n" }}
            {%- endfor %}
        {%- endif %}
        {{- system_message }}
        {{- "<|eot_id|>" }}

        {#- Custom tools are passed in a user message with some extra guidance #}
        {%- if tools_in_user_message and not tools is none %}
            {#- Extract the first user message so we can plug it in here #}
            {%- if messages | length != 0 %}
                {%- set first_user_message = messages[0]['content']|trim %}
                {%- set messages = messages[1:] %}
            {%- else %}
                {{- raise_exception("Cannot put tools in the first user message when there's no first user message!") }}
        {%- endif %}
            {{- '<|start_header_id|>user<|end_header_id|>\n\n' -}}
            {{- "Given the following functions, please respond with a JSON for a function call " }}
            {{- "with its proper arguments that best answers the given prompt.\n\n" }}
            {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
            {{- "Do not use variables.\n\n" }}
            {%- for t in tools %}
                {{- t | tojson(indent=4) }}
                {{- "\n\n" }}
            {%- endfor %}
            {{- first_user_message + "<|eot_id|>"}}
        {%- endif %}

        {%- for message in messages %}
            {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}
                {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' }}
            {%- elif 'tool_calls' in message %}
                {%- if not message.tool_calls|length == 1 %}
                    {{- raise_exception("This model only supports single tool-calls at once!") }}
                {%- endif %}
                {%- set tool_call = message.tool_calls[0].function %}
                {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' -}}
                {{- '{"name": "' + tool_call.name + '", ' }}
                {{- '"parameters": ' }}
                {{- tool_call.arguments | tojson }}
                {{- "}" }}
                {{- "<|eot_id|>" }}
            {%- elif message.role == "tool" or message.role == "ipython" %}
                {{- "<|start_header_id|>ipython<|end_header_id|>\n\n" }}
                {%- if message.content is mapping or message.content is iterable %}
                    {{- message.content | tojson }}
                {%- else %}
                    {{- message.content }}
                {%- endif %}
                {{- "<|eot_id|>" }}
            {%- endif %}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
        {%- endif %}

        """;

    private static ChatTemplate Parse()
    {
        var template = ChatTemplate.Parse(Template, "llama-3.2").WithSpecialTokens("<|begin_of_text|>", "<|eot_id|>");
        template.Clock = () => new DateTime(2024, 7, 5, 12, 0, 0);
        return template;
    }

    [Fact]
    public void SystemUserWithTodaysDate()
    {
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 05 Jul 2024\n\n" +
            "You are a bot.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            Parse().Render([new("system", " You are a bot.\n"), new("user", "Hi")], addGenerationPrompt: true));
    }

    [Fact]
    public void NoSystemMessageAndPinnedDate()
    {
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello<|eot_id|>",
            Parse().Render([new("user", "Hi"), new("assistant", "Hello")], addGenerationPrompt: false,
                new Dictionary<string, object?> { ["date_string"] = "26 Jul 2024" }));
    }

    [Fact]
    public void ToolsInFirstUserMessageToolCallAndResult()
    {
        var tool = new Dictionary<string, object?>
        {
            ["type"] = "function",
            ["function"] = new Dictionary<string, object?>
            {
                ["name"] = "translate",
                ["parameters"] = new Dictionary<string, object?> { ["word"] = new Dictionary<string, object?> { ["type"] = "string" } },
            },
        };
        var messages = new List<object?>
        {
            new ChatMessage("user", "Translate «дом»"),
            new Dictionary<string, object?>
            {
                ["role"] = "assistant",
                ["tool_calls"] = new[]
                {
                    new Dictionary<string, object?>
                    {
                        ["function"] = new Dictionary<string, object?> { ["name"] = "translate", ["arguments"] = new Dictionary<string, object?> { ["word"] = "дом" } },
                    },
                },
            },
            new ChatMessage("tool", "house"),
        };
        string rendered = Parse().Render(new Dictionary<string, object?>
        {
            ["messages"] = messages,
            ["tools"] = new[] { tool },
            ["add_generation_prompt"] = true,
            ["bos_token"] = "<|begin_of_text|>",
        });
        const string toolJson = "{\n    \"type\": \"function\",\n    \"function\": {\n        \"name\": \"translate\",\n        \"parameters\": {\n" +
                                "            \"word\": {\n                \"type\": \"string\"\n            }\n        }\n    }\n}";
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\nCutting Knowledge Date: December 2023\n" +
            "Today Date: 05 Jul 2024\n\n<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nGiven the following functions, please respond with a JSON for a function call " +
            "with its proper arguments that best answers the given prompt.\n\n" +
            "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.Do not use variables.\n\n" +
            toolJson + "\n\nTranslate «дом»<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\n{\"name\": \"translate\", \"parameters\": {\"word\": \"дом\"}}<|eot_id|>" +
            // A string is "iterable", so the tool result goes through tojson and gets quoted.
            "<|start_header_id|>ipython<|end_header_id|>\n\n\"house\"<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\n",
            rendered);
    }

    [Fact]
    public void EmptyConversationFailsLikeJinja()
    {
        // messages[0] of an empty list is undefined, and indexing that again is an error (Jinja says the same).
        var e = Assert.Throws<LepInputException>(() => Parse().Render([], false));
        Assert.Equal("llama-3.2: line 20, column 8: list object has no element 0", e.Message);
    }

    [Fact]
    public void ToolsWithoutAUserMessageRaise()
    {
        // The system message is taken out first, which leaves no user message to put the tools into.
        var e = Assert.Throws<LepInputException>(() => Parse().Render([new("system", "s")], false,
            new Dictionary<string, object?> { ["tools"] = new[] { "t" } }));
        Assert.StartsWith("llama-3.2: line 53, column 13: raise_exception: ", e.Message);
        Assert.Contains("Cannot put tools in the first user message when there's no first user message!", e.Message);
    }
}
