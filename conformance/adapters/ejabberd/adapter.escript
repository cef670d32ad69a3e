#!/usr/bin/env escript
%% -*- erlang -*-
%% xmppfuzz exec adapter (protocol 1) for ejabberd 23.01's stream parser:
%% fast_xml's fxml_stream NIF driven the way xmpp_socket and xmpp_stream_in
%% (c2s) or xmpp_stream_out (side client) drive it. See README.md.
%%
%% run --persistent    persistent mode: `input SIDE N` + N bytes per request
%% run --once          one input on stdin, side from XMPPFUZZ_SIDE (server
%%                     or client, else exit 2); exit 1 after an error line
%% run --check         p1_xmpp starts and the records have the expected
%%                     shapes: exit 0 (else exit 2 with the reason)
-mode(compile).

%% The shapes of fast_xml's #xmlel{} (fxml.hrl) and p1_xmpp's #stream_start{}
%% and #jid{} (xmpp_codec.hrl, jid.hrl); check_shapes/0 verifies them against
%% the installed libraries before the first input.
-record(xmlel, {name = <<>>, attrs = [], children = []}).
-record(stream_start, {from, to, id = <<>>, version, xmlns = <<>>,
                       stream_xmlns = <<>>, db_xmlns = <<>>, lang = <<>>}).
-record(jid, {user = <<>>, server = <<>>, resource = <<>>,
              luser = <<>>, lserver = <<>>, lresource = <<>>}).

-define(NAME, "ejabberd-fast_xml").
-define(STREAMS_NS, <<"http://etherx.jabber.org/streams">>).
-define(XML_NS, <<"http://www.w3.org/XML/1998/namespace">>).
-define(CONTENT_NS, <<"jabber:client">>).
%% max_stanza_size of ejabberd_c2s in Debian's /etc/ejabberd/ejabberd.yml
%% (ejabberd_c2s's own default, with no option, is infinity).
-define(DEFAULT_MAX_STANZA, 262144).

main(Args) ->
    Mode = case Args of
               ["--persistent"] -> persistent;
               ["--once"] -> once;
               ["--check"] -> check;
               _ -> fatal("usage: run --persistent | --once | --check")
           end,
    quiet_logger(),
    ok = io:setopts(standard_io, [binary, {encoding, latin1}]),
    case application:ensure_all_started(xmpp) of
        {ok, _} -> ok;
        {error, Why} -> fatal(io_lib:format("cannot start p1_xmpp: ~p", [Why]))
    end,
    check_shapes(),
    case Mode of
        persistent -> persistent();
        once -> once();
        check -> finish(0)
    end.

%% Logger output goes to stderr: stdout carries the protocol only.
quiet_logger() ->
    _ = logger:remove_handler(default),
    ok = logger:add_handler(default, logger_std_h,
                            #{config => #{type => standard_error}}),
    logger:set_primary_config(level, error).

fatal(Text) ->
    io:format(standard_error, "ejabberd adapter: ~s~n", [Text]),
    finish(2).

%% finish/1: init:stop/1 rather than halt/1, which can drop the output the
%% standard_io server has not written yet.
finish(Status) ->
    init:stop(Status),
    receive after infinity -> ok end.

check_shapes() ->
    Header = #xmlel{name = <<"stream:stream">>,
                    attrs = [{<<"xmlns">>, ?CONTENT_NS},
                             {<<"xmlns:stream">>, ?STREAMS_NS},
                             {<<"to">>, <<"a@b/c">>}, {<<"version">>, <<"1.0">>}]},
    case catch xmpp:decode(Header, ?CONTENT_NS, []) of
        #stream_start{to = #jid{luser = <<"a">>, lserver = <<"b">>, lresource = <<"c">>},
                      version = {1, 0}, xmlns = ?CONTENT_NS, stream_xmlns = ?STREAMS_NS} -> ok;
        Other -> fatal(io_lib:format("p1_xmpp's stream_start/jid records are not the "
                                     "expected shape: ~p", [Other]))
    end.

max_stanza() ->
    case os:getenv("XMPPFUZZ_EJABBERD_MAX_STANZA_SIZE") of
        false -> ?DEFAULT_MAX_STANZA;
        "infinity" -> infinity;
        S -> list_to_integer(S)
    end.

%% How the input is split into fxml_stream:parse/2 calls (socket reads).
%% Default `tags`: each call ends just after a '>' (or at the end), so the
%% events of a tag come right after its last byte: a stream restart takes
%% effect after the element that causes it, as when a client waits for
%% <success/> before its new header, and fast_xml's size check (bytes since
%% the last event, tested before each call) is made at every tag end. A
%% number N: N bytes per call; 0: the whole input in one call.
chunking() ->
    case os:getenv("XMPPFUZZ_EJABBERD_CHUNK") of
        false -> tags;
        "tags" -> tags;
        S -> list_to_integer(S)
    end.

next_chunk(Bytes, tags) ->
    case binary:match(Bytes, <<">">>) of
        {Pos, 1} -> split_binary(Bytes, Pos + 1);
        nomatch -> {Bytes, <<>>}
    end;
next_chunk(Bytes, N) when N > 0, byte_size(Bytes) > N -> split_binary(Bytes, N);
next_chunk(Bytes, _) -> {Bytes, <<>>}.

%% ---------------------------------------------------------------- modes

persistent() ->
    out([<<"xmppfuzz-exec 1 ", ?NAME>>]),
    persistent_loop().

persistent_loop() ->
    case io:get_line(standard_io, "") of
        eof -> finish(0);
        {error, Why} -> fatal(io_lib:format("reading stdin: ~p", [Why]));
        Line ->
            case binary:split(string:trim(Line, trailing, "\r\n"), <<" ">>, [global]) of
                [<<"input">>, Side, N | _] when Side == <<"server">>; Side == <<"client">> ->
                    Bytes = read_exactly(binary_to_integer(N)),
                    answer(binary_to_atom(Side), Bytes),
                    out([<<"done">>]),
                    persistent_loop();
                _ -> fatal(io_lib:format("bad request line ~p", [Line]))
            end
    end.

read_exactly(0) -> <<>>;
read_exactly(N) -> read_exactly(N, []).

read_exactly(0, Acc) -> iolist_to_binary(lists:reverse(Acc));
read_exactly(N, Acc) ->
    case file:read(standard_io, N) of
        {ok, Data} -> read_exactly(N - byte_size(Data), [Data | Acc]);
        eof -> fatal("stdin ended inside an input");
        {error, Why} -> fatal(io_lib:format("reading stdin: ~p", [Why]))
    end.

once() ->
    Side = case os:getenv("XMPPFUZZ_SIDE") of
               "server" -> server;
               "client" -> client;
               _ -> fatal("run --once: XMPPFUZZ_SIDE must be server or client")
           end,
    case answer(Side, read_all([])) of
        error -> finish(1);
        ok -> finish(0)
    end.

read_all(Acc) ->
    case file:read(standard_io, 65536) of
        {ok, Data} -> read_all([Data | Acc]);
        eof -> iolist_to_binary(lists:reverse(Acc));
        {error, Why} -> fatal(io_lib:format("reading stdin: ~p", [Why]))
    end.

%% ---------------------------------------------------------------- one stream

%% answer/2 plays Bytes as one new stream through a fresh fxml_stream, as
%% xmpp_socket:new/3 makes it (fxml_stream:new(self(), MaxStanzaSize):
%% '$gen_event' messages to the owner), and prints the events the stream
%% state machine acts on, up to the first stream error. The events of one
%% parse/2 call are handled before the next call, as the c2s process does
%% (its next socket read comes after them in its mailbox). Returns error
%% when it printed an error line, else ok.
answer(Side, Bytes) ->
    erase(error_written),
    Stream = fxml_stream:new(self(), max_stanza()),
    St = #{side => Side, state => wait_for_stream, header => [], stream => Stream},
    _ = feed(Bytes, chunking(), St),
    fxml_stream:close(Stream),
    drain([]),
    case get(error_written) of
        true -> error;
        undefined -> ok
    end.

feed(<<>>, _, St) -> St;
feed(Bytes, Chunk, #{stream := Stream} = St) ->
    {Head, Rest} = next_chunk(Bytes, Chunk),
    Stream1 = fxml_stream:parse(Stream, Head),
    case play(drain([]), St#{stream := Stream1}) of
        stop -> stop;
        St1 -> feed(Rest, Chunk, St1)
    end.

%% The NIF sends to self() during parse/2, so every event is in the mailbox.
drain(Acc) ->
    receive
        {'$gen_event', Ev} -> drain([Ev | Acc]);
        {'$gen_all_state_event', Ev} -> drain([Ev | Acc])
    after 0 -> lists:reverse(Acc)
    end.

play([], St) -> St;
play([Ev | Rest], St) ->
    case event(Ev, St) of
        {continue, St1} -> play(Rest, St1);
        stop -> stop
    end.

%% restart/1: xmpp_socket:reset_stream/1 (fxml_stream:reset/1) after SASL
%% success, back to wait_for_stream; events the old parser already sent are
%% still handled, as in ejabberd.
restart(#{stream := Stream} = St) ->
    log("SASL success: the parser is reset for the stream restart"),
    St#{stream := fxml_stream:reset(Stream), state := wait_for_stream}.

%% event/2 follows xmpp_stream_in:handle_info/2 (xmpp_stream_out's clauses
%% are the same for these events).
event({xmlstreamstart, Name, Attrs}, #{state := wait_for_stream} = St) ->
    El = #xmlel{name = Name, attrs = Attrs},
    try xmpp:decode(El, ?CONTENT_NS, []) of
        #stream_start{} = Pkt ->
            case stream_checks(Pkt, St) of
                ok ->
                    out([<<"stream-open ">>, canonical_header(Attrs)]),
                    {continue, St#{state := open, header := Attrs}};
                {error, Cond, Why} ->
                    log(Why),
                    error_line(Cond)
            end;
        Other ->
            log(io_lib:format("header decodes to ~p, not stream_start", [element(1, Other)])),
            error_line(<<"invalid-xml">>)
    catch
        _:{xmpp_codec, Why} ->
            log(["header: ", xmpp:format_error(Why)]),
            error_line(<<"invalid-xml">>)
    end;
event({xmlstreamend, _}, _St) ->
    %% process_stream_end({stream, reset}, ...): the stream closes.
    out([<<"stream-close">>]),
    stop;
event({xmlstreamerror, Reason}, _St) ->
    case Reason of
        <<"XML stanza is too big">> ->
            log(["fast_xml: ", Reason]),
            error_line(<<"policy-violation">>);
        {Code, Txt} ->
            log(io_lib:format("fast_xml: expat error ~b: ~s", [Code, Txt])),
            error_line(<<"not-well-formed">>);
        Other ->
            %% xmpp_stream_in's case has no clause for it: the c2s process
            %% crashes and the connection closes without a stream error.
            log(io_lib:format("fast_xml: ~p (ejabberd would crash and close)", [Other])),
            error_line(<<"not-well-formed">>)
    end;
event({xmlstreamcdata, _}, St) ->
    %% Text between stanzas: handle_cdata hook, no event.
    {continue, St};
event(Ev, #{state := wait_for_stream}) ->
    log(io_lib:format("~p before the stream header", [element(1, Ev)])),
    error_line(<<"invalid-xml">>);
event({xmlstreamelement, El}, #{header := Header} = St) ->
    out([<<"stanza ">>, canonical_stanza(El, Header)]),
    %% codec_options after the stream start: ejabberd_config:codec_options()
    %% is [ignore_els] unless validate_stream is set (default false).
    try xmpp:decode(El, ?CONTENT_NS, [ignore_els]) of
        Pkt when not is_tuple(Pkt) ->
            %% xmpp:decode gives a plain term for some known elements that
            %% are not stanzas (a top-level <priority>5</priority> decodes
            %% to 5); xmpp_stream_in's handlers expect a record. What a
            %% whole ejabberd does then is not modelled: nothing is routed.
            log(io_lib:format("xmpp:decode returned ~p, not a record: not routed", [Pkt])),
            {continue, St};
        Pkt when element(1, Pkt) == stream_error ->
            out([<<"routed ">>, escape(fxml:element_to_binary(El))]),
            log("a stream error from the peer: ejabberd ends the stream"),
            stop;
        Pkt ->
            out([<<"routed ">>, escape(fxml:element_to_binary(El))]),
            case {element(1, Pkt), St} of
                %% c2s: xmpp_stream_in answers <success/> to an <auth/>
                %% whose credentials are right (assumed) and resets.
                {sasl_auth, #{side := server}} -> {continue, restart(St)};
                %% client side: xmpp_stream_out resets on <success/>.
                {sasl_success, #{side := client}} -> {continue, restart(St)};
                _ -> {continue, St}
            end
    catch
        _:{xmpp_codec, Why} ->
            %% process_invalid_xml/3: a stanza is bounced with bad-request,
            %% anything else is dropped; the stream goes on, nothing is routed.
            What = case xmpp:is_stanza(El) of
                       true -> "bounced with bad-request";
                       false -> "dropped"
                   end,
            log(["not routed (", What, "): ", xmpp:format_error(Why)]),
            {continue, St}
    end.

%% stream_checks/2: xmpp_stream_in:process_stream/2 for side server (c2s),
%% xmpp_stream_out:process_stream/2 for side client. ejabberd_c2s's
%% host-unknown check (the configured hosts) is not made: any domain is served.
stream_checks(#stream_start{xmlns = XmlNs, stream_xmlns = StreamNs}, _)
  when XmlNs /= ?CONTENT_NS; StreamNs /= ?STREAMS_NS ->
    {error, <<"invalid-namespace">>, "header namespaces"};
stream_checks(#stream_start{version = {N, _}}, _) when N > 1 ->
    {error, <<"unsupported-version">>, "version"};
stream_checks(_, #{side := client}) ->
    ok;
stream_checks(#stream_start{lang = Lang}, _) when byte_size(Lang) > 35 ->
    {error, <<"policy-violation">>, "Too long value of 'xml:lang' attribute"};
stream_checks(#stream_start{to = undefined, version = Version}, _) ->
    if
        Version < {1, 0} -> ok;  % the server's own name is taken
        true -> {error, <<"improper-addressing">>, "Missing 'to' attribute"}
    end;
stream_checks(#stream_start{to = #jid{luser = U, lresource = R}}, _)
  when U /= <<>>; R /= <<>> ->
    {error, <<"improper-addressing">>, "Improper 'to' attribute"};
stream_checks(_, _) ->
    ok.

error_line(Cond) ->
    out([<<"error ">>, Cond]),
    put(error_written, true),
    stop.

%% ---------------------------------------------------------------- canonical form

%% Namespace context: the default namespace an unprefixed element gets and
%% the prefix declarations in scope. fast_xml (normalize_ns) has already put
%% an explicit xmlns on every element whose namespace differs from its
%% parent's, except elements whose prefix is one the stream header declared
%% (e.g. stream:error), which keep the prefix and no xmlns; the prefix is
%% resolved here through the declarations in scope, header first.
header_scope(HeaderAttrs) ->
    Default = case lists:keyfind(<<"xmlns">>, 1, HeaderAttrs) of
                  {_, Ns} -> Ns;
                  false -> <<>>
              end,
    {Default, declarations(HeaderAttrs, #{<<"xml">> => ?XML_NS})}.

declarations(Attrs, Map) ->
    lists:foldl(fun({<<"xmlns:", P/binary>>, V}, M) -> M#{P => V};
                   (_, M) -> M
                end, Map, Attrs).

canonical_header(Attrs) ->
    {Default, Scope} = header_scope(Attrs),
    [<<"<stream:stream xmlns:stream=\"">>, ?STREAMS_NS, <<"\" xmlns=\"">>,
     esc_attr(Default), <<"\"">>, canonical_attrs(Attrs, Scope), <<">">>].

canonical_stanza(El, HeaderAttrs) ->
    {Default, Scope} = header_scope(HeaderAttrs),
    element(El, Default, Scope, none).

element(#xmlel{name = QName, attrs = Attrs, children = Children}, Default, Scope0, ParentNs) ->
    Scope = declarations(Attrs, Scope0),
    {Ns, Local} =
        case binary:split(QName, <<":">>) of
            [P, L] -> {maps:get(P, Scope, <<>>), L};
            [L] -> {case lists:keyfind(<<"xmlns">>, 1, Attrs) of
                        {_, X} -> X;
                        false -> Default
                    end, L}
        end,
    ChildDefault = case lists:keyfind(<<"xmlns">>, 1, Attrs) of
                       {_, X2} -> X2;
                       false -> Default
                   end,
    NsPart = if Ns == ParentNs -> [];
                true -> [<<" xmlns=\"">>, esc_attr(Ns), <<"\"">>]
             end,
    Open = [<<"<">>, Local, NsPart, canonical_attrs(Attrs, Scope)],
    case merge_text(Children) of
        [] -> [Open, <<"/>">>];
        Kids ->
            [Open, <<">">>,
             [case K of
                  {text, T} -> esc_text(T);
                  #xmlel{} -> element(K, ChildDefault, Scope, Ns)
              end || K <- Kids],
             <<"</">>, Local, <<">">>]
    end.

merge_text(Children) ->
    lists:reverse(lists:foldl(
                    fun({xmlcdata, <<>>}, Acc) -> Acc;
                       ({xmlcdata, T}, [{text, T0} | Acc]) -> [{text, <<T0/binary, T/binary>>} | Acc];
                       ({xmlcdata, T}, Acc) -> [{text, T} | Acc];
                       (#xmlel{} = E, Acc) -> [E | Acc]
                    end, [], Children)).

%% Attributes but namespace declarations, sorted by (namespace, local name);
%% XML-namespace ones as xml:name, others with n0, n1, ... declared first.
canonical_attrs(Attrs, Scope) ->
    Resolved = lists:sort(
                 [case binary:split(Name, <<":">>) of
                      [P, L] -> {maps:get(P, Scope, <<>>), L, V};
                      [L] -> {<<>>, L, V}
                  end || {Name, V} <- Attrs,
                         Name /= <<"xmlns">>,
                         binary:part(Name, 0, min(6, byte_size(Name))) /= <<"xmlns:">>]),
    Prefixed = lists:foldl(fun({Ns, _, _}, Acc) ->
                                   case Ns == <<>> orelse Ns == ?XML_NS orelse lists:member(Ns, Acc) of
                                       true -> Acc;
                                       false -> Acc ++ [Ns]
                                   end
                           end, [], Resolved),
    Decls = [[<<" xmlns:n">>, integer_to_binary(I - 1), <<"=\"">>, esc_attr(Ns), <<"\"">>]
             || {I, Ns} <- lists:zip(lists:seq(1, length(Prefixed)), Prefixed)],
    Items = [[<<" ">>, attr_prefix(Ns, Prefixed), L, <<"=\"">>, esc_attr(V), <<"\"">>]
             || {Ns, L, V} <- Resolved],
    [Decls, Items].

attr_prefix(<<>>, _) -> <<>>;
attr_prefix(?XML_NS, _) -> <<"xml:">>;
attr_prefix(Ns, Prefixed) -> [<<"n">>, integer_to_binary(index(Ns, Prefixed, 0)), <<":">>].

index(X, [X | _], I) -> I;
index(X, [_ | T], I) -> index(X, T, I + 1).

esc_attr(B) -> << <<(attr_byte(C))/binary>> || <<C>> <= B >>.
esc_text(B) -> << <<(text_byte(C))/binary>> || <<C>> <= B >>.

attr_byte($") -> <<"&quot;">>;
attr_byte($\t) -> <<"&#9;">>;
attr_byte(C) -> text_byte(C).

text_byte($&) -> <<"&amp;">>;
text_byte($<) -> <<"&lt;">>;
text_byte($>) -> <<"&gt;">>;
text_byte($\n) -> <<"&#10;">>;
text_byte($\r) -> <<"&#13;">>;
text_byte(C) -> <<C>>.

%% ---------------------------------------------------------------- output

%% escape/1: protocol escaping of routed bytes and log text.
escape(B) -> << <<(esc_byte(C))/binary>> || <<C>> <= iolist_to_binary(B) >>.

esc_byte($\\) -> <<"\\\\">>;
esc_byte(C) when C < 16#20; C == 16#7F ->
    iolist_to_binary(io_lib:format("\\x~2.16.0b", [C]));
esc_byte(C) -> <<C>>.

log(Text) ->
    Bin = try iolist_to_binary(Text)
          catch error:badarg -> unicode:characters_to_binary(Text)
          end,
    out([<<"log ">>, escape(Bin)]).

out(Parts) ->
    ok = file:write(standard_io, [Parts, <<"\n">>]).
