"""Views of fresh components outside any page: enough to call a handler directly and read its answer by name."""
import gradio as gr

from finetune.ui import data_loading, model_tab, report, runs_panel, search_panel, spaces_panel, train_tab


def report_view() -> report.ReportView:
    return report.ReportView(gr.Group(), gr.Markdown(), gr.Button(), gr.Markdown(), gr.Dataframe(), gr.Plot(),
                             gr.Accordion(), gr.Dataframe(), gr.Markdown(), gr.DownloadButton())


def train_view() -> train_tab.TrainView:
    return train_tab.TrainView(run=gr.State(), timer=gr.Timer(active=False), status=gr.Markdown(), progress=gr.HTML(),
                               plot=gr.Plot(), health=gr.Markdown(), tail=gr.Textbox(), report=report_view(),
                               playground_run=gr.Dropdown())


def model_inputs() -> model_tab.ModelInputs:
    """Stand-ins for model_tab.render()'s task, model, knobs and model help."""
    return model_tab.ModelInputs(gr.Textbox(), gr.Textbox(), {f.name: gr.Textbox() for f in model_tab.TUNED},
                                 gr.Markdown())


def by_setting(inputs: model_tab.ModelInputs, answer: dict) -> dict:
    """A handler's answer {component: update} for the Model tab's widgets, by setting name."""
    return {name: answer[c] for name, c in inputs.named().items() if c in answer}


def search_view() -> search_panel.SearchView:
    return search_panel.SearchView(gr.State(), gr.Timer(active=False), gr.Markdown(), gr.Dataframe(), gr.Plot(),
                                   gr.Markdown())


def runs_view() -> runs_panel.RunsView:
    return runs_panel.RunsView(gr.Dataframe(), gr.Dropdown(), gr.Dropdown(), gr.Markdown(), model_inputs(), gr.Row(),
                               gr.State())


def demo_view() -> spaces_panel.DemoView:
    return spaces_panel.DemoView(data_loading.DataOutputs(*(gr.Textbox() for _ in data_loading.OUTPUT_NAMES)), gr.Dropdown())


def by_elem_id(block, elem_id: str):
    """A component of a built app, found by its elem_id (tests only: the app passes components by name)."""
    if getattr(block, "elem_id", None) == elem_id:
        return block
    for child in getattr(block, "children", []):
        found = by_elem_id(child, elem_id)
        if found is not None:
            return found
    return None
